package slacktest

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// wsConn is one server-side socket. Writes are serialised by wmu; gorilla
// allows WriteControl and Close concurrently with them.
type wsConn struct {
	id     int
	opened time.Time
	ws     *websocket.Conn
	wmu    sync.Mutex
	done   chan struct{}
	once   sync.Once
	hello  bool // guarded by Server.mu
}

func (c *wsConn) write(frame []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, frame)
}

func (c *wsConn) close() {
	c.once.Do(func() { close(c.done) })
	_ = c.ws.Close()
}

func (c *wsConn) closeGracefully() {
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	c.close()
}

func (c *wsConn) isDone() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// serveSocket upgrades a one-use URL from apps.connections.open, says hello,
// pings, and records acks until the socket closes.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.PathValue("ticket")
	var ok, drop bool
	s.mutate(func(st *state) {
		ok, drop = st.tickets[ticket], st.dropSockets
		delete(st.tickets, ticket)
	})
	if !ok || s.isClosed() {
		http.Error(w, "unknown or used socket URL", http.StatusForbidden)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.log.Debug("slacktest: websocket upgrade failed", "err", err)
		return
	}
	if drop {
		_ = ws.Close()
		return
	}
	c := s.register(ws)
	if c == nil {
		return
	}
	go s.pingLoop(c)
	s.sayHello(c)
	s.readLoop(c)
}

// register adds the socket, unless the server is closing, and counts it in
// wg so Close waits for its read and ping loops.
func (s *Server) register(ws *websocket.Conn) *wsConn {
	ws.SetReadLimit(maxFrame)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isClosed() {
		_ = ws.Close()
		return nil
	}
	s.state.connSeq++
	c := &wsConn{id: s.state.connSeq, ws: ws, done: make(chan struct{}), opened: s.now()}
	s.state.conns = append(s.state.conns, c)
	s.wg.Add(2) // readLoop and pingLoop
	s.signalLocked()
	return c
}

func (s *Server) sayHello(c *wsConn) {
	var n int
	// c is registered already, so the count includes it, as Slack's does.
	s.read(func(st *state) { n = len(st.liveConns()) })
	frame, _ := json.Marshal(map[string]any{
		"type": "hello", "num_connections": n,
		"debug_info":      map[string]any{"host": "slacktest", "approximate_connection_time": 3600},
		"connection_info": map[string]string{"app_id": appID},
	})
	if err := c.write(frame); err != nil {
		c.close()
		return
	}
	// Ping before anything else: the client's dead-man timer fires on its
	// first tick if no ping has arrived yet.
	s.ping(c)
	s.mutate(func(st *state) { c.hello = true; st.hellos++ })
}

func (s *Server) readLoop(c *wsConn) {
	defer s.wg.Done()
	defer s.mutate(func(*state) {}) // wake waiters: a socket went away
	defer c.close()
	for {
		_, frame, err := c.ws.ReadMessage()
		if err != nil {
			s.log.Debug("slacktest: socket closed", "conn", c.id, "err", err)
			return
		}
		id, payload, err := parseAck(frame)
		if err != nil {
			s.log.Debug("slacktest: ignoring frame", "conn", c.id, "err", err)
			continue
		}
		at := s.now()
		s.mutate(func(st *state) { st.acks = append(st.acks, st.ack(id, payload, c.id, at)) })
	}
}

func (s *Server) pingLoop(c *wsConn) {
	defer s.wg.Done()
	t := time.NewTicker(s.pingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			s.ping(c)
		}
	}
}

func (s *Server) ping(c *wsConn) {
	var off bool
	s.read(func(st *state) { off = st.pingsOff })
	if off {
		return
	}
	if err := c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second)); err != nil {
		c.close()
	}
}
