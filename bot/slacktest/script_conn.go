package slacktest

import (
	"encoding/json"
	"time"
)

// DisconnectAfter sends Slack's disconnect message with reason on every
// open socket and, as Slack does, leaves the client grace to act on it
// before the socket is closed with a close frame (Slack sends a "warning"
// about ten seconds ahead). A client that reconnects as asked has closed the
// socket itself by then. Disconnect, by contrast, closes at once, which
// races the client's reading of the message.
func (s *Server) DisconnectAfter(reason string, grace time.Duration) {
	frame, _ := json.Marshal(map[string]any{
		"type": "disconnect", "reason": reason, "debug_info": map[string]string{"host": "fake"},
	})
	for _, c := range s.live() {
		if !s.track() {
			return
		}
		if err := c.write(frame); err != nil {
			c.close()
		}
		go s.closeAfter(c, grace)
	}
}

// track counts one more goroutine that Close must wait for, unless the
// server is closing.
func (s *Server) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isClosed() {
		return false
	}
	s.wg.Add(1)
	return true
}

// closeAfter closes c gracefully after grace, unless it ends first.
func (s *Server) closeAfter(c *wsConn, grace time.Duration) {
	defer s.wg.Done()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-t.C:
		c.closeGracefully()
	case <-c.done:
	case <-s.closed:
	}
}
