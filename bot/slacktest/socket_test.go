package slacktest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
)

// harness runs the real socketmode client against a fake server and acks
// every slash command with a payload echoing its text.
type harness struct {
	srv      *slacktest.Server
	client   *socketmode.Client
	opts     clientOpts
	commands chan slack.SlashCommand
	actions  chan slack.InteractionCallback
	hellos   chan socketmode.Request
	events   chan socketmode.Request
	runErr   chan error
}

// clientOpts varies how a harness client behaves.
type clientOpts struct {
	appToken string // default: the server's
	// name, when set, ends each slash command ack's text (" on A"), so a
	// test can tell which client acked.
	name string
	// noAck leaves slash commands unacked.
	noAck bool
	// ackEvent, when set, decides which events_api envelopes are acked.
	ackEvent func(socketmode.Request) bool
}

func newHarness(t *testing.T, srv *slacktest.Server, clientPing time.Duration) *harness {
	t.Helper()
	return newHarnessWithAppToken(t, srv, clientPing, srv.AppToken())
}

func newHarnessWithAppToken(t *testing.T, srv *slacktest.Server, clientPing time.Duration, appToken string) *harness {
	t.Helper()
	t.Cleanup(srv.Close) // after the client's cleanup
	return startClient(t, srv, clientPing, clientOpts{appToken: appToken})
}

// startClient runs one client until the test ends; the caller closes srv.
func startClient(t *testing.T, srv *slacktest.Server, clientPing time.Duration, opts clientOpts) *harness {
	t.Helper()
	if opts.appToken == "" {
		opts.appToken = srv.AppToken()
	}
	ctx, cancel := context.WithCancel(context.Background())
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	api := slack.New(srv.BotToken(), slack.OptionAppLevelToken(opts.appToken),
		slack.OptionAPIURL(srv.APIURL()), slack.OptionHTTPClient(hc))
	h := &harness{
		srv:      srv,
		client:   socketmode.New(api, socketmode.OptionPingInterval(clientPing)),
		opts:     opts,
		commands: make(chan slack.SlashCommand, 128),
		actions:  make(chan slack.InteractionCallback, 16),
		hellos:   make(chan socketmode.Request, 16),
		events:   make(chan socketmode.Request, 16),
		runErr:   make(chan error, 1),
	}
	var wg sync.WaitGroup
	wg.Go(func() { h.runErr <- h.client.RunContext(ctx) })
	wg.Go(func() { h.drain(ctx) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		hc.CloseIdleConnections()
	})
	return h
}

// drain hands what the client receives to the test; it never blocks on a
// full channel, so the client keeps reading its socket.
func (h *harness) drain(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case evt := <-h.client.Events:
			switch evt.Type {
			case socketmode.EventTypeHello:
				offer(h.hellos, *evt.Request)
			case socketmode.EventTypeInteractive:
				offer(h.actions, evt.Data.(slack.InteractionCallback))
			case socketmode.EventTypeEventsAPI:
				if h.opts.ackEvent != nil && h.opts.ackEvent(*evt.Request) {
					h.ack(ctx, evt.Request.EnvelopeID, nil)
				}
				offer(h.events, *evt.Request)
			case socketmode.EventTypeSlashCommand:
				cmd := evt.Data.(slack.SlashCommand)
				if !h.opts.noAck {
					text := "got " + cmd.Text
					if h.opts.name != "" {
						text += " on " + h.opts.name
					}
					h.ack(ctx, evt.Request.EnvelopeID, map[string]string{"response_type": "ephemeral", "text": text})
				}
				offer(h.commands, cmd)
			}
		}
	}
}

func (h *harness) ack(ctx context.Context, envelopeID string, payload any) {
	ackCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_ = h.client.AckCtx(ackCtx, envelopeID, payload)
}

func offer[T any](ch chan T, v T) {
	select {
	case ch <- v:
	default:
	}
}

func (h *harness) nextCommand(t *testing.T) slack.SlashCommand {
	t.Helper()
	select {
	case cmd := <-h.commands:
		return cmd
	case <-time.After(5 * time.Second):
		t.Fatal("no slash command reached the client")
		return slack.SlashCommand{}
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSlashCommandRoundTrip(t *testing.T) {
	t.Parallel()
	srv := slacktest.NewServer(slacktest.WithPingInterval(100 * time.Millisecond))
	h := newHarness(t, srv, 2*time.Second)
	ctx := testCtx(t)
	require.NoError(t, srv.WaitConnected(ctx))
	require.True(t, srv.Connected())

	id, respURL, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "stop 10001", UserID: "U42", ChannelID: "C9"})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(respURL, srv.URL()+"/response/"), "response_url %q", respURL)

	cmd := h.nextCommand(t)
	require.Equal(t, "/polyv", cmd.Command)
	require.Equal(t, "stop 10001", cmd.Text)
	require.Equal(t, "U42", cmd.UserID)
	require.Equal(t, "u42", cmd.UserName)
	require.Equal(t, "C9", cmd.ChannelID)
	require.Equal(t, "ops", cmd.ChannelName)
	require.Equal(t, "T0TEST", cmd.TeamID)
	require.Equal(t, respURL, cmd.ResponseURL)
	require.NotEmpty(t, cmd.TriggerID)

	ack, err := srv.WaitAck(ctx, id)
	require.NoError(t, err)
	text, typ := ack.Text()
	require.Equal(t, "got stop 10001", text)
	require.Equal(t, "ephemeral", typ)
	require.False(t, ack.SentAt.IsZero())
	require.False(t, ack.At.Before(ack.SentAt))
	require.Len(t, srv.Acks(), 1)
}

func TestLargeAckPayloadIsRecorded(t *testing.T) {
	t.Parallel()
	srv := slacktest.NewServer()
	h := newHarness(t, srv, 3*time.Second)
	ctx := testCtx(t)
	id, err := srv.SendInteractive(ctx, map[string]any{"type": "block_actions", "trigger_id": "1.2"})
	require.NoError(t, err)
	big := strings.Repeat("x", 19*1024)
	require.NoError(t, h.client.AckCtx(ctx, id, map[string]string{"text": big}))

	ack, err := srv.WaitAck(ctx, id)
	require.NoError(t, err)
	text, typ := ack.Text()
	require.Equal(t, big, text)
	require.Empty(t, typ)
}

func TestDuplicateEnvelopeIDsViaSendRaw(t *testing.T) {
	t.Parallel()
	srv := slacktest.NewServer()
	h := newHarness(t, srv, 3*time.Second)
	ctx := testCtx(t)
	for range 2 {
		_, _, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "stop 1", EnvelopeID: "dup-1"})
		require.NoError(t, err)
		h.nextCommand(t)
	}
	require.NoError(t, srv.WaitFor(ctx, func(s *slacktest.Server) bool { return len(s.Acks()) == 2 }))
	for _, a := range srv.Acks() {
		require.Equal(t, "dup-1", a.EnvelopeID)
	}
	// A malformed frame must not kill the server's side of the socket.
	require.NoError(t, srv.SendRaw(ctx, []byte(`{"type":"slash_commands","payload":`)))
	_, _, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "after junk"})
	require.NoError(t, err)
	require.Equal(t, "after junk", h.nextCommand(t).Text)
}

func TestReconnects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		break_ func(*slacktest.Server)
	}{
		{"disconnect refresh_requested", func(s *slacktest.Server) { s.Disconnect("refresh_requested") }},
		{"dropped TCP", func(s *slacktest.Server) { s.DropConnections() }},
		{"pings stop", func(s *slacktest.Server) { s.SetPings(false) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := slacktest.NewServer(slacktest.WithPingInterval(50 * time.Millisecond))
			h := newHarness(t, srv, 400*time.Millisecond)
			ctx := testCtx(t)
			require.NoError(t, srv.WaitConnected(ctx))
			require.Equal(t, 1, srv.ConnectionsOpened())

			tt.break_(srv)
			require.NoError(t, srv.WaitFor(ctx, func(s *slacktest.Server) bool { return s.ConnectionsOpened() >= 2 }))
			srv.SetPings(true)
			// Wait for the new socket: the server may not have noticed yet
			// that the old one is gone.
			require.NoError(t, srv.WaitFor(ctx, func(s *slacktest.Server) bool { return s.SocketsOpened() >= 2 }))

			id, _, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "stop 2"})
			require.NoError(t, err)
			require.Equal(t, "stop 2", h.nextCommand(t).Text)
			_, err = srv.WaitAck(ctx, id)
			require.NoError(t, err)
		})
	}
}

func TestDropNewSocketsCausesReconnectStorm(t *testing.T) {
	t.Parallel()
	srv := slacktest.NewServer()
	srv.SetDropNewSockets(true)
	newHarness(t, srv, 3*time.Second)
	ctx := testCtx(t)
	require.NoError(t, srv.WaitFor(ctx, func(s *slacktest.Server) bool { return s.ConnectionsOpened() >= 3 }))
	require.False(t, srv.Connected())
	srv.SetDropNewSockets(false)
	require.NoError(t, srv.WaitConnected(ctx))
}

func TestSocketURLIsSingleUse(t *testing.T) {
	t.Parallel()
	srv := slacktest.NewServer()
	t.Cleanup(srv.Close)
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	api := slack.New(srv.BotToken(), slack.OptionAppLevelToken(srv.AppToken()),
		slack.OptionAPIURL(srv.APIURL()), slack.OptionHTTPClient(hc))
	_, wsURL, err := api.StartSocketModeContext(testCtx(t))
	require.NoError(t, err)

	resp, err := hc.Get("http" + strings.TrimPrefix(wsURL, "ws") + "-nope")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func TestWaitersReleasedByClose(t *testing.T) {
	t.Parallel()
	srv := slacktest.NewServer()
	bg := context.Background()
	waiters := []func() error{
		func() error { return srv.WaitConnected(bg) },
		func() error { _, err := srv.WaitAck(bg, "nope"); return err },
		func() error { _, _, err := srv.SendSlashCommand(bg, slacktest.SlashCommand{}); return err },
		func() error { return srv.WaitConnections(bg, 2) },
		func() error { _, _, err := srv.SendSlashCommandTo(bg, 1, slacktest.SlashCommand{}); return err },
		func() error { _, err := srv.SendEvent(bg, map[string]any{}); return err },
	}
	errs := make(chan error, len(waiters))
	for _, w := range waiters {
		go func() { errs <- w() }()
	}
	srv.Close()
	srv.Close() // twice is fine
	for range waiters {
		require.ErrorIs(t, <-errs, slacktest.ErrClosed)
	}
}

func TestBadAppTokenIsFatalForSocketMode(t *testing.T) {
	t.Parallel()
	srv := slacktest.NewServer()
	h := newHarnessWithAppToken(t, srv, time.Second, "xapp-1-A0TEST-0-wrong")
	select {
	case err := <-h.runErr:
		require.EqualError(t, err, "invalid_auth")
	case <-time.After(5 * time.Second):
		t.Fatal("RunContext did not give up on invalid_auth")
	}
	require.Equal(t, 1, srv.ConnectionsOpened())
}

func TestInteractivePayloadIsDelivered(t *testing.T) {
	t.Parallel()
	srv := slacktest.NewServer()
	h := newHarness(t, srv, 3*time.Second)
	ctx := testCtx(t)
	_, err := srv.SendInteractive(ctx, json.RawMessage(`{"type":"block_actions","user":{"id":"U7"}}`))
	require.NoError(t, err)
	select {
	case cb := <-h.actions:
		require.Equal(t, slack.InteractionTypeBlockActions, cb.Type)
		require.Equal(t, "U7", cb.User.ID)
	case <-time.After(5 * time.Second):
		t.Fatal("no interaction reached the client")
	}
}
