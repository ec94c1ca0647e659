package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/internal/logtest"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// These tests run the bot as several processes (this test binary, running
// main) against one fake Slack, which spreads payloads over their Socket
// Mode connections as Slack does, and one fake Polyv.

// fleet is a fake Slack, a fake Polyv and the replicas started against them.
type fleet struct {
	t     *testing.T
	slack *slacktest.Server
	polyv *polyvtest.Server
	env   []string
	mu    sync.Mutex
	all   []*replica
}

// replica is one bot process.
type replica struct {
	name   string
	cmd    *exec.Cmd
	stderr *logtest.Buffer
	done   chan struct{}
	code   int
}

func newFleet(t *testing.T, extra map[string]string) *fleet {
	t.Helper()
	if testing.Short() {
		t.Skip("starts bot processes")
	}
	f := &fleet{t: t}
	f.slack = slacktest.NewServer(slacktest.WithAppToken(runAppToken), slacktest.WithBotToken(runBotToken))
	f.polyv = polyvtest.NewServer(runPolyvID, runPolyvSecret)
	env := withOverrides(map[string]string{
		"SLACK_APP_TOKEN": runAppToken, "SLACK_BOT_TOKEN": runBotToken, "SLACK_API_URL": f.slack.APIURL(),
		"POLYV_APP_ID": runPolyvID, "POLYV_APP_SECRET": runPolyvSecret, "POLYV_API_URL": f.polyv.URL,
		"POLYV_TIMEOUT": "5s", "ALLOWED_USERS": runResponder + ",U0OTHER", "LOG_LEVEL": "debug", "VERIFY_STOP": "false",
		"RATE_LIMIT_PER_MINUTE": "6000", "RATE_LIMIT_BURST": "100",
		"USER_RATE_LIMIT_PER_MINUTE": "6000", "USER_RATE_LIMIT_BURST": "100",
		asBotVar: "1",
	}, extra)
	for k, v := range env {
		f.env = append(f.env, k+"="+v)
	}
	t.Cleanup(func() {
		f.mu.Lock()
		all := f.all
		f.mu.Unlock()
		for _, r := range all {
			_ = r.cmd.Process.Kill()
			<-r.done
			if t.Failed() {
				t.Logf("%s stderr:\n%s", r.name, r.stderr)
			}
		}
		f.slack.Close()
		f.polyv.Close()
	})
	return f
}

// start runs one more replica and waits until its connection is up, which
// makes it connection number n (they are numbered in the order they open).
func (f *fleet) start(n int) *replica {
	f.t.Helper()
	exe, err := os.Executable()
	require.NoError(f.t, err)
	r := &replica{name: fmt.Sprintf("replica %d", n), stderr: &logtest.Buffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(exe)
	r.cmd.Env = f.env
	r.cmd.Dir = f.t.TempDir() // no .env there
	r.cmd.Stderr = r.stderr
	require.NoError(f.t, r.cmd.Start())
	go func() {
		err := r.cmd.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			r.code = exit.ExitCode()
		}
		close(r.done)
	}()
	f.mu.Lock()
	f.all = append(f.all, r)
	f.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(f.t, f.slack.WaitFor(ctx, func(s *slacktest.Server) bool {
		for _, c := range s.Connections() {
			if c.ID == n && c.Hello {
				return true
			}
		}
		return false
	}), "%s never connected; stderr:\n%s", r.name, r.stderr)
	return r
}

// term sends SIGTERM, as a deploy does.
func (r *replica) term() { _ = r.cmd.Process.Signal(syscall.SIGTERM) }

// wait returns the process's exit code, failing the test if it takes longer
// than d.
func (f *fleet) wait(r *replica, d time.Duration) int {
	f.t.Helper()
	select {
	case <-r.done:
		return r.code
	case <-time.After(d):
		f.t.Fatalf("%s did not exit within %s", r.name, d)
		return -1
	}
}

// sent is one command the test sent and what became of it.
type sent struct {
	envelope, url string
	id            int64
}

// send delivers "stop <id>" over whichever connection Slack picks.
func (f *fleet) send(ctx context.Context, id int64, user string) (sent, error) {
	env, url, err := f.slack.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "stop " + itoa(id), UserID: user, ChannelID: runChannel})
	return sent{envelope: env, url: url, id: id}, err
}

// settle waits until every command sent has its outcome.
func (f *fleet) settle(cmds []sent) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(f.t, f.slack.WaitFor(ctx, func(s *slacktest.Server) bool {
		for _, c := range cmds {
			if findOutcome(s, c.url, c.id) == "" {
				return false
			}
		}
		return true
	}), "not every command got its outcome")
}

// tally checks what became of each command: acked within Slack's 3 s with
// nothing refused, answered in its thread, one Polyv call each. It returns
// the counts for the log.
func (f *fleet) tally(cmds []sent) string {
	f.t.Helper()
	acks := map[string]slacktest.Ack{}
	for _, a := range f.slack.Acks() {
		acks[a.EnvelopeID] = a
	}
	var acked, answered, refused, calls int
	for _, c := range cmds {
		a, ok := acks[c.envelope]
		if ok && a.At.Sub(a.SentAt) < 3*time.Second {
			acked++
		}
		if text, _ := a.Text(); text != "" {
			refused++
			f.t.Errorf("%s was refused: %s", c.envelope, text)
		}
		if strings.Contains(findOutcome(f.slack, c.url, c.id), "✅") {
			answered++
		}
		calls += f.polyv.StopCalls(c.id)
		require.Equal(f.t, 1, f.polyv.StopCalls(c.id), "channel %d", c.id)
	}
	require.Equal(f.t, len(cmds), acked, "every command acked in time")
	require.Equal(f.t, len(cmds), answered, "every command answered")
	require.Zero(f.t, refused)
	require.Empty(f.t, f.slack.Unacked(), "no payload lost on a closing connection")
	return fmt.Sprintf("commands sent %d, acked in time %d, answered %d, refused %d, Polyv stop calls per command %.2f",
		len(cmds), acked, answered, refused, float64(calls)/float64(len(cmds)))
}

func TestReplicasShareTheCommands(t *testing.T) {
	t.Parallel()
	f := newFleet(t, nil)
	a, b := f.start(1), f.start(2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var cmds []sent
	for id := int64(10001); id <= 10020; id++ {
		c, err := f.send(ctx, id, runResponder)
		require.NoError(t, err)
		cmds = append(cmds, c)
	}
	f.settle(cmds)
	perConn := map[int]int{}
	for _, e := range f.slack.Envelopes() {
		perConn[e.Conn]++
	}
	require.Equal(t, map[int]int{1: 10, 2: 10}, perConn, "Slack spread the commands over both")
	t.Log(f.tally(cmds))
	a.term()
	b.term()
	require.Zero(t, f.wait(a, 30*time.Second))
	require.Zero(t, f.wait(b, 30*time.Second))
}

// A rolling restart twice while commands keep coming at 10 a second: a new
// replica connects, then the old one gets SIGTERM, closes its connection
// and finishes what it had. No command is refused or lost, and none is run
// twice.
func TestRollingRestartLosesNothing(t *testing.T) {
	t.Parallel()
	f := newFleet(t, map[string]string{"VERIFY_STOP": "true"})
	old := f.start(1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var cmds []sent
	// traffic waits until ten more commands were sent: a second of it.
	traffic := func() {
		mu.Lock()
		want := len(cmds) + 10
		mu.Unlock()
		require.NoError(t, f.slack.WaitFor(ctx, func(*slacktest.Server) bool {
			mu.Lock()
			defer mu.Unlock()
			return len(cmds) >= want
		}))
	}
	sending := make(chan struct{})
	go func() {
		defer close(sending)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for id := int64(20001); ctx.Err() == nil; id++ {
			sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
			c, err := f.send(sctx, id, runResponder)
			scancel()
			if err != nil {
				if ctx.Err() == nil {
					t.Errorf("send %d: %v", id, err)
				}
				return
			}
			mu.Lock()
			cmds = append(cmds, c)
			mu.Unlock()
			<-tick.C
		}
	}()
	for n := 2; n <= 3; n++ {
		traffic()
		next := f.start(n)
		old.term()
		require.Zero(t, f.wait(old, 60*time.Second), "a drained replica exits 0")
		old = next
	}
	traffic()
	cancel()
	<-sending
	mu.Lock()
	defer mu.Unlock()
	require.GreaterOrEqual(t, len(cmds), 20)
	f.settle(cmds)
	t.Log("rolling restart: " + f.tally(cmds))
	old.term()
	require.Zero(t, f.wait(old, 60*time.Second))
}

// A replica killed outright loses what it was running, but every command
// sent after its connection dropped is served by the other.
func TestKilledReplicaLeavesTheOthersServing(t *testing.T) {
	t.Parallel()
	f := newFleet(t, nil)
	a, b := f.start(1), f.start(2)
	require.NoError(t, a.cmd.Process.Kill())
	f.wait(a, 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, f.slack.WaitFor(ctx, func(s *slacktest.Server) bool { return len(s.Connections()) == 1 }),
		"the fake Slack saw the connection drop")
	var cmds []sent
	for id := int64(30001); id <= 30010; id++ {
		c, err := f.send(ctx, id, runResponder)
		require.NoError(t, err)
		cmds = append(cmds, c)
	}
	f.settle(cmds)
	for _, e := range f.slack.Envelopes() {
		require.Equal(t, 2, e.Conn, "only the live replica gets payloads")
	}
	t.Log("after a kill: " + f.tally(cmds))
	b.term()
	require.Zero(t, f.wait(b, 30*time.Second))
}

// A confirmation prompt posted by one replica and clicked on another runs
// once, and only for the requester.
func TestConfirmationClickedOnTheOtherReplica(t *testing.T) {
	t.Parallel()
	f := newFleet(t, map[string]string{"CONFIRM_STOP": "true"})
	a, b := f.start(1), f.start(2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	env, url, err := f.slack.SendSlashCommandTo(ctx, 1, slacktest.SlashCommand{Text: "stop 40001 -- leaked", UserID: runResponder, ChannelID: runChannel})
	require.NoError(t, err)
	_, err = f.slack.WaitAck(ctx, env)
	require.NoError(t, err)
	var prompt slacktest.ResponsePost
	require.NoError(t, f.slack.WaitFor(ctx, func(s *slacktest.Server) bool {
		for _, p := range s.ResponsePosts() {
			if p.URL == url && len(p.Blocks) > 0 {
				prompt = p
				return true
			}
		}
		return false
	}))
	token := promptToken(t, prompt)
	f.click(ctx, 2, "U0OTHER", url, token) // not the requester's
	f.click(ctx, 2, runResponder, url, token)
	f.click(ctx, 2, runResponder, url, token) // used on that replica
	require.NoError(t, f.slack.WaitFor(ctx, func(s *slacktest.Server) bool { return findOutcome(s, url, 40001) != "" }))
	require.NoError(t, f.slack.WaitFor(ctx, func(s *slacktest.Server) bool { return len(s.Ephemerals()) >= 1 }))
	a.term()
	b.term()
	require.Zero(t, f.wait(a, 30*time.Second))
	require.Zero(t, f.wait(b, 30*time.Second))
	require.Equal(t, 1, f.polyv.StopCalls(40001), "the stop ran once")
	require.Contains(t, f.slack.Ephemerals()[0].Text, "not yours")
	var answers []string
	for _, p := range f.slack.ResponsePosts() {
		if p.URL == url {
			answers = append(answers, p.Text)
		}
	}
	require.Contains(t, strings.Join(answers, "\n"), "already used", "the second click is told why nothing happens")
}

// click sends a click on the prompt's "Stop stream" button over connection
// conn, as user.
func (f *fleet) click(ctx context.Context, conn int, user, url, token string) {
	f.t.Helper()
	env, err := f.slack.SendInteractiveTo(ctx, conn, map[string]any{
		"type": "block_actions", "api_app_id": "A0TEST", "trigger_id": "1.trigger.click",
		"team":         map[string]any{"id": "T0TEST", "domain": "test"},
		"user":         map[string]any{"id": user, "username": strings.ToLower(user), "name": strings.ToLower(user), "team_id": "T0TEST"},
		"channel":      map[string]any{"id": runChannel, "name": "ops"},
		"container":    map[string]any{"type": "message", "message_ts": "1700000000.000001", "channel_id": runChannel, "is_ephemeral": true},
		"response_url": url,
		"actions": []map[string]any{{"action_id": "polyv_stop_confirm", "block_id": "polyv_stop", "value": token, "type": "button",
			"text": map[string]any{"type": "plain_text", "text": "Stop stream"}, "action_ts": "1700000001.000002"}},
	})
	require.NoError(f.t, err)
	_, err = f.slack.WaitAck(ctx, env)
	require.NoError(f.t, err)
}

// promptToken is the value the prompt's buttons carry.
func promptToken(t *testing.T, p slacktest.ResponsePost) string {
	t.Helper()
	var blocks []struct {
		Type     string `json:"type"`
		Elements []struct {
			Value string `json:"value"`
		} `json:"elements"`
	}
	require.NoError(t, json.Unmarshal(p.Blocks, &blocks))
	for _, b := range blocks {
		if b.Type == "actions" {
			return b.Elements[0].Value
		}
	}
	t.Fatal("the prompt has no buttons")
	return ""
}
