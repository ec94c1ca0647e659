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
	commands chan slack.SlashCommand
	actions  chan slack.InteractionCallback
	runErr   chan error
}

func newHarness(t *testing.T, srv *slacktest.Server, clientPing time.Duration) *harness {
	t.Helper()
	return newHarnessWithAppToken(t, srv, clientPing, srv.AppToken())
}

func newHarnessWithAppToken(t *testing.T, srv *slacktest.Server, clientPing time.Duration, appToken string) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	api := slack.New(srv.BotToken(), slack.OptionAppLevelToken(appToken),
		slack.OptionAPIURL(srv.APIURL()), slack.OptionHTTPClient(hc))
	h := &harness{
		srv:      srv,
		client:   socketmode.New(api, socketmode.OptionPingInterval(clientPing)),
		commands: make(chan slack.SlashCommand, 16),
		actions:  make(chan slack.InteractionCallback, 16),
		runErr:   make(chan error, 1),
	}
	var wg sync.WaitGroup
	wg.Go(func() { h.runErr <- h.client.RunContext(ctx) })
	wg.Go(func() { h.drain(ctx) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		srv.Close()
		hc.CloseIdleConnections()
	})
	return h
}

func (h *harness) drain(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case evt := <-h.client.Events:
			if evt.Type == socketmode.EventTypeInteractive {
				h.actions <- evt.Data.(slack.InteractionCallback)
				continue
			}
			if evt.Type != socketmode.EventTypeSlashCommand {
				continue
			}
			cmd := evt.Data.(slack.SlashCommand)
			ackCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
			_ = h.client.AckCtx(ackCtx, evt.Request.EnvelopeID,
				map[string]string{"response_type": "ephemeral", "text": "got " + cmd.Text})
			cancel()
			select {
			case h.commands <- cmd:
			default:
			}
		}
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
	errs := make(chan error, 3)
	go func() { errs <- srv.WaitConnected(context.Background()) }()
	go func() { _, err := srv.WaitAck(context.Background(), "nope"); errs <- err }()
	go func() { _, _, err := srv.SendSlashCommand(context.Background(), slacktest.SlashCommand{}); errs <- err }()
	srv.Close()
	srv.Close() // twice is fine
	for range 3 {
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
