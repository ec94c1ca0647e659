package slacktest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
)

// Two or more real socketmode clients share one fake Slack, as replicas of a
// bot share one app: each payload goes to exactly one connection.

// startClients starts one client per name, each after the previous one's
// hello, so the i-th name holds connection i+1. The server closes after the
// clients stop.
func startClients(t *testing.T, srv *slacktest.Server, opts ...clientOpts) []*harness {
	t.Helper()
	t.Cleanup(srv.Close)
	ctx := testCtx(t)
	var hs []*harness
	for i, o := range opts {
		hs = append(hs, startClient(t, srv, 2*time.Second, o))
		require.NoError(t, srv.WaitConnections(ctx, i+1))
	}
	ids := make([]int, 0, len(opts))
	for _, c := range srv.Connections() {
		require.True(t, c.Hello)
		require.False(t, c.OpenedAt.IsZero())
		ids = append(ids, c.ID)
	}
	want := make([]int, len(opts))
	for i := range want {
		want[i] = i + 1
	}
	require.Equal(t, want, ids)
	return hs
}

func named(names ...string) []clientOpts {
	var out []clientOpts
	for _, n := range names {
		out = append(out, clientOpts{name: n})
	}
	return out
}

func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s reached the client", what)
		var zero T
		return zero
	}
}

// sendAndAck sends one slash command by the routing policy and returns the
// connection it went to, checking that the ack came back over it from the
// client that holds it.
func sendAndAck(t *testing.T, srv *slacktest.Server, hs []*harness, text string) int {
	t.Helper()
	ctx := testCtx(t)
	id, _, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{Text: text})
	require.NoError(t, err)
	return checkAck(t, srv, hs, id, text)
}

func checkAck(t *testing.T, srv *slacktest.Server, hs []*harness, envelopeID, text string) int {
	t.Helper()
	ack, err := srv.WaitAck(testCtx(t), envelopeID)
	require.NoError(t, err)
	var env slacktest.Envelope
	for _, e := range srv.Envelopes() {
		if e.EnvelopeID == envelopeID {
			env = e
		}
	}
	require.Equal(t, envelopeID, env.EnvelopeID, "the envelope is recorded")
	require.Equal(t, env.Conn, ack.Conn, "the ack came over the connection the envelope went to")
	require.Equal(t, ack.SentAt, env.SentAt)
	require.GreaterOrEqual(t, env.Conn, 1)
	require.LessOrEqual(t, env.Conn, len(hs))
	h := hs[env.Conn-1]
	got, _ := ack.Text()
	require.Equal(t, "got "+text+" on "+h.opts.name, got)
	require.Equal(t, text, receive(t, h.commands, "slash command").Text)
	return env.Conn
}

func TestRoutingSpreadsPayloads(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    []slacktest.Option
		set     func(*slacktest.Server)
		clients int
		sends   int
		want    []int // nil: only check the set of connections used
	}{
		{"round-robin is the default", nil, nil, 2, 6, []int{1, 2, 1, 2, 1, 2}},
		{"round-robin over three", nil, nil, 3, 6, []int{1, 2, 3, 1, 2, 3}},
		{"newest", []slacktest.Option{slacktest.WithRouting(slacktest.Newest)}, nil, 2, 4, []int{2, 2, 2, 2}},
		{"newest set while running", nil, func(s *slacktest.Server) { s.SetRouting(slacktest.Newest) }, 2, 3, []int{2, 2, 2}},
		// 40 sends all on one of two connections by chance: 2^-39.
		{"random", []slacktest.Option{slacktest.WithRouting(slacktest.Random)}, nil, 2, 40, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := slacktest.NewServer(tt.opts...)
			hs := startClients(t, srv, named("A", "B", "C")[:tt.clients]...)
			if tt.set != nil {
				tt.set(srv)
			}
			var got []int
			used := map[int]int{}
			for i := range tt.sends {
				conn := sendAndAck(t, srv, hs, fmt.Sprintf("stop %d", i))
				got = append(got, conn)
				used[conn]++
			}
			if tt.want != nil {
				require.Equal(t, tt.want, got)
			} else {
				require.Len(t, used, tt.clients, "every connection got some: %v", got)
			}
			require.Empty(t, srv.Unacked())
			require.Len(t, srv.Envelopes(), tt.sends)
		})
	}
}

func TestRoutingStrings(t *testing.T) {
	t.Parallel()
	for r, want := range map[slacktest.Routing]string{
		slacktest.RoundRobin: "round-robin", slacktest.Random: "random", slacktest.Newest: "newest", 7: "Routing(7)",
	} {
		require.Equal(t, want, r.String())
	}
}

func TestRouteNext(t *testing.T) {
	t.Parallel()
	slash := func(text string) slacktest.SlashCommand { return slacktest.SlashCommand{Text: text} }
	tests := []struct {
		name string
		// run sends payloads and returns the connection of each one.
		run  func(t *testing.T, srv *slacktest.Server, hs []*harness) []int
		want []int
	}{
		{"RouteNext aims one payload and leaves the rotation alone", func(t *testing.T, srv *slacktest.Server, hs []*harness) []int {
			first := sendAndAck(t, srv, hs, "a")
			srv.RouteNext(1)
			aimed := sendAndAck(t, srv, hs, "b")
			return []int{first, aimed, sendAndAck(t, srv, hs, "c"), sendAndAck(t, srv, hs, "d")}
		}, []int{1, 1, 2, 1}},
		{"SendSlashCommandTo", func(t *testing.T, srv *slacktest.Server, hs []*harness) []int {
			var conns []int
			for _, text := range []string{"a", "b"} {
				id, _, err := srv.SendSlashCommandTo(testCtx(t), 2, slash(text))
				require.NoError(t, err)
				conns = append(conns, checkAck(t, srv, hs, id, text))
			}
			return append(conns, sendAndAck(t, srv, hs, "c"))
		}, []int{2, 2, 1}},
		{"SendInteractiveTo", func(t *testing.T, srv *slacktest.Server, hs []*harness) []int {
			_, err := srv.SendInteractiveTo(testCtx(t), 2, map[string]any{"type": "block_actions", "user": map[string]string{"id": "U9"}})
			require.NoError(t, err)
			require.Equal(t, "U9", receive(t, hs[1].actions, "interaction").User.ID)
			return []int{srv.Envelopes()[0].Conn}
		}, []int{2}},
		{"RouteNext covers SendRaw", func(t *testing.T, srv *slacktest.Server, hs []*harness) []int {
			srv.RouteNext(2)
			require.NoError(t, srv.SendRaw(testCtx(t), []byte(`{"envelope_id":"raw-1","type":"slash_commands","accepts_response_payload":true,"payload":{"command":"/polyv","text":"raw"}}`)))
			return []int{checkAck(t, srv, hs, "raw-1", "raw")}
		}, []int{2}},
		{"RouteNext to a closed connection fails that send only", func(t *testing.T, srv *slacktest.Server, hs []*harness) []int {
			srv.FailAlways("apps.connections.open", slacktest.Failure{Error: "invalid_auth"})
			require.NoError(t, srv.CloseConnection(1, "warning"))
			srv.RouteNext(1)
			_, _, err := srv.SendSlashCommand(testCtx(t), slash("lost"))
			require.ErrorIs(t, err, slacktest.ErrNoConnection)
			_, _, err = srv.SendSlashCommandTo(testCtx(t), 1, slash("lost"))
			require.ErrorIs(t, err, slacktest.ErrNoConnection)
			return []int{sendAndAck(t, srv, hs, "after")}
		}, []int{2}},
		{"RouteNext(0) cancels", func(t *testing.T, srv *slacktest.Server, hs []*harness) []int {
			srv.RouteNext(2)
			srv.RouteNext(0)
			return []int{sendAndAck(t, srv, hs, "a")}
		}, []int{1}},
		{"no connection 0 or below", func(t *testing.T, srv *slacktest.Server, _ []*harness) []int {
			for _, id := range []int{0, -1} {
				_, _, err := srv.SendSlashCommandTo(testCtx(t), id, slash("x"))
				require.ErrorIs(t, err, slacktest.ErrNoConnection)
				_, err = srv.SendInteractiveTo(testCtx(t), id, map[string]string{})
				require.ErrorIs(t, err, slacktest.ErrNoConnection)
			}
			require.Empty(t, srv.Envelopes())
			return nil
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := slacktest.NewServer()
			hs := startClients(t, srv, named("A", "B")...)
			require.Equal(t, tt.want, tt.run(t, srv, hs))
		})
	}
}

// A payload aimed at a connection that has not opened yet waits for it.
func TestRouteNextWaitsForTheConnection(t *testing.T) {
	t.Parallel()
	srv := slacktest.NewServer()
	hs := startClients(t, srv, named("A")...)
	srv.RouteNext(2)
	sent := make(chan error, 1)
	go func() {
		_, _, err := srv.SendSlashCommand(testCtx(t), slacktest.SlashCommand{Text: "for B", EnvelopeID: "env-b"})
		sent <- err
	}()
	hs = append(hs, startClient(t, srv, 2*time.Second, clientOpts{name: "B"}))
	require.NoError(t, <-sent)
	require.Equal(t, 2, checkAck(t, srv, hs, "env-b", "for B"))
}

func TestClosingOneConnectionRoutesToTheOthers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		close func(*slacktest.Server, int) error
	}{
		{"CloseConnection", func(s *slacktest.Server, id int) error { return s.CloseConnection(id, "refresh_requested") }},
		{"DropConnection", (*slacktest.Server).DropConnection},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := slacktest.NewServer()
			hs := startClients(t, srv, named("A", "B", "C")...)
			require.Equal(t, 1, sendAndAck(t, srv, hs, "before"))
			// Client B may not come back, so where later payloads go is
			// known exactly.
			srv.FailAlways("apps.connections.open", slacktest.Failure{Error: "invalid_auth"})
			require.NoError(t, tt.close(srv, 2))
			require.ErrorIs(t, tt.close(srv, 2), slacktest.ErrNoConnection, "closed already")
			require.ErrorIs(t, tt.close(srv, 9), slacktest.ErrNoConnection, "never opened")
			require.Equal(t, []int{1, 3}, liveIDs(srv))

			var got []int
			for i := range 4 {
				got = append(got, sendAndAck(t, srv, hs, fmt.Sprintf("after %d", i)))
			}
			require.Equal(t, []int{3, 1, 3, 1}, got, "none to connection 2")
			require.EqualError(t, receive(t, hs[1].runErr, "end of client B"), "invalid_auth",
				"client B tried to reconnect")
		})
	}
}

func liveIDs(srv *slacktest.Server) []int {
	var ids []int
	for _, c := range srv.Connections() {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestHelloCountsLiveConnections(t *testing.T) {
	t.Parallel()
	srv := slacktest.NewServer()
	hs := startClients(t, srv, named("A", "B", "C")...)
	for i, h := range hs {
		require.Equal(t, i+1, receive(t, h.hellos, "hello").NumConnections, "client %s", h.opts.name)
	}
	require.NoError(t, srv.DropConnection(1))
	require.Equal(t, 3, receive(t, hs[0].hellos, "second hello").NumConnections,
		"B, C and A's new connection")
	require.NoError(t, srv.WaitConnections(testCtx(t), 3))
	require.Equal(t, []int{2, 3, 4}, liveIDs(srv))
}

// Slack does not redeliver a slash command or an interactive payload whose
// ack never came; Unacked names it and the connection it was lost on.
func TestUnackedPayloadsAreNotRedelivered(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		send  func(context.Context, *slacktest.Server) (string, error)
		typ   string
		reach func(*testing.T, *harness)
	}{
		{"slash command", func(ctx context.Context, s *slacktest.Server) (string, error) {
			id, _, err := s.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "stop 1"})
			return id, err
		}, "slash_commands", func(t *testing.T, h *harness) { receive(t, h.commands, "slash command") }},
		{"interactive", func(ctx context.Context, s *slacktest.Server) (string, error) {
			return s.SendInteractive(ctx, map[string]any{"type": "block_actions"})
		}, "interactive", func(t *testing.T, h *harness) { receive(t, h.actions, "interaction") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := slacktest.NewServer()
			hs := startClients(t, srv, clientOpts{name: "A", noAck: true}, clientOpts{name: "B"})
			ctx := testCtx(t)
			lost, err := tt.send(ctx, srv)
			require.NoError(t, err)
			tt.reach(t, hs[0])
			srv.FailAlways("apps.connections.open", slacktest.Failure{Error: "invalid_auth"})
			require.NoError(t, srv.CloseConnection(1, "warning"))

			// Had the server redelivered, it would have done so before
			// this later command, over the one connection left.
			require.Equal(t, 2, sendAndAck(t, srv, hs, "later"))
			require.Empty(t, hs[1].commands)
			require.Empty(t, hs[1].actions)

			unacked := srv.Unacked()
			require.Len(t, unacked, 1)
			require.Equal(t, lost, unacked[0].EnvelopeID)
			require.Equal(t, tt.typ, unacked[0].Type)
			require.Equal(t, 1, unacked[0].Conn)
			require.False(t, unacked[0].Acked)
			envs := srv.Envelopes()
			require.Len(t, envs, 2)
			require.True(t, envs[1].Acked)
			require.Equal(t, 2, envs[1].AckConn)
		})
	}
}

// Many payloads from several goroutines while connections close and clients
// reconnect: every send lands on exactly one connection, is recorded once,
// and is either acked or listed by Unacked.
func TestConcurrentSendsWhileConnectionsComeAndGo(t *testing.T) {
	t.Parallel()
	srv := slacktest.NewServer(slacktest.WithPingInterval(50 * time.Millisecond))
	startClients(t, srv, named("A", "B")...)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// The senders keep going until the churn is over, so every close and
	// drop happens while payloads are in flight.
	const senders, most, churns = 4, 500, 20
	var (
		mu         sync.Mutex
		sent       = map[string]bool{}
		unexpected []error
		wg         sync.WaitGroup
	)
	// anyLive names a live connection, which may be gone by the time a
	// payload is aimed at it.
	anyLive := func(i int) int {
		conns := srv.Connections()
		if len(conns) == 0 {
			return 1
		}
		return conns[i%len(conns)].ID
	}
	done := make(chan struct{})
	for g := range senders {
		wg.Go(func() {
			for i := range most {
				select {
				case <-done:
					return
				default:
				}
				cmd := slacktest.SlashCommand{Text: fmt.Sprintf("g%d-%d", g, i)}
				var (
					id  string
					err error
				)
				switch i % 5 {
				case 3:
					id, _, err = srv.SendSlashCommandTo(ctx, anyLive(i), cmd)
				case 4:
					srv.RouteNext(anyLive(i))
					fallthrough
				default:
					// Another sender's RouteNext may aim this one.
					id, _, err = srv.SendSlashCommand(ctx, cmd)
				}
				if err == nil {
					// As a user would, wait for the answer (or its loss)
					// before the next command, so the clients keep up.
					err = srv.WaitFor(ctx, func(s *slacktest.Server) bool { return settled(s, id) })
				}
				mu.Lock()
				switch {
				case err == nil:
					sent[id] = true
				case !errors.Is(err, slacktest.ErrNoConnection):
					// Aimed at a connection that went away is the
					// only failure allowed.
					unexpected = append(unexpected, err)
				}
				mu.Unlock()
			}
		})
	}
	var chaos sync.WaitGroup
	chaos.Go(func() {
		defer close(done)
		for i := range churns {
			if srv.WaitConnections(ctx, 2) != nil {
				return
			}
			conns := srv.Connections()
			victim := conns[i%len(conns)].ID
			if i%2 == 0 {
				_ = srv.CloseConnection(victim, "refresh_requested")
			} else {
				_ = srv.DropConnection(victim)
			}
			_, _ = srv.Unacked(), srv.Envelopes()
			srv.SetRouting([]slacktest.Routing{slacktest.RoundRobin, slacktest.Random, slacktest.Newest}[i%3])
		}
	})
	chaos.Wait()
	wg.Wait()
	require.Empty(t, unexpected)
	require.NotEmpty(t, sent)

	// Every envelope has arrived or been lost once the last ack is in.
	require.NoError(t, srv.WaitConnections(ctx, 2))
	last, _, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "last"})
	require.NoError(t, err)
	sent[last] = true
	_, err = srv.WaitAck(ctx, last)
	require.NoError(t, err)

	// An ack may still come for a payload whose client reconnected, so
	// Unacked is read first: envelopes only ever go from unacked to acked.
	unacked := map[string]bool{}
	for _, e := range srv.Unacked() {
		unacked[e.EnvelopeID] = true
	}
	envs := srv.Envelopes()
	seen := map[string]int{}
	acked := 0
	for _, e := range envs {
		seen[e.EnvelopeID]++
		require.True(t, sent[e.EnvelopeID], "recorded but never returned by a send: %s", e.EnvelopeID)
		require.Positive(t, e.Conn)
		if !e.Acked {
			require.True(t, unacked[e.EnvelopeID], "neither acked nor listed by Unacked: %s", e.EnvelopeID)
			continue
		}
		acked++
		require.Positive(t, e.AckConn)
	}
	for id := range sent {
		require.Equal(t, 1, seen[id], "envelope %s recorded once", id)
	}
	require.Len(t, envs, len(sent))
	for id := range unacked {
		require.Equal(t, 1, seen[id], "Unacked lists only recorded envelopes")
	}
	t.Logf("%d sent, %d acked, %d lost with their connection, %d connections opened",
		len(envs), acked, len(envs)-acked, srv.SocketsOpened())
}

// settled reports whether envelope id was acked or the connection it went to
// is gone, so its ack will never come.
func settled(s *slacktest.Server, id string) bool {
	for _, e := range s.Envelopes() {
		if e.EnvelopeID != id {
			continue
		}
		if e.Acked {
			return true
		}
		return !slices.Contains(liveIDs(s), e.Conn)
	}
	return false
}
