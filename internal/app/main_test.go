package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/internal/logtest"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// TestMain fails the package if any test leaves a goroutine behind: run must
// return with the bot, its workers and every post ended. With
// POLYVBOT_TEST_MAIN=1 the test binary is the bot itself, main and all:
// the replica tests start it as separate processes.
func TestMain(m *testing.M) {
	if os.Getenv(asBotVar) == "1" {
		runAsBot()
		return
	}
	goleak.VerifyTestMain(m)
}

// asBotVar makes the test binary run main instead of the tests.
const asBotVar = "POLYVBOT_TEST_MAIN"

// runAsBot is cmd/bot's main, which a test binary of this package cannot
// call: the signals, then Run.
func runAsBot() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	os.Exit(Run(ctx, os.Args[1:], FromEnvFile(".env", os.Stderr), os.Stdout, os.Stderr))
}

// Credentials distinctive enough that finding them anywhere is a leak.
const (
	runAppToken    = "xapp-1-A0TEST-7351-appTokenValue-9f3c0b2e"
	runBotToken    = "xoxb-1234-5678-botTokenValue-7e2d44a1"
	runPolyvID     = "appRUN0001"
	runPolyvSecret = "pv-secret-0e8d1c7b5a-never-print-me"
	runResponder   = "U0RESP"
	runChannel     = "C0OPS"
)

// runOpts shape one end-to-end run of the real main wiring.
type runOpts struct {
	env       map[string]string // added to or overriding the base; "" removes
	slackOpts []slacktest.Option
	polyvOpts []polyvtest.Option
	noWait    bool // do not wait for the socket (the run is expected to fail)
	// setup scripts the fakes before the run starts.
	setup func(*slacktest.Server, *polyvtest.Server)
}

// runHarness runs run() — flags, config, wiring, bot — against both fakes.
type runHarness struct {
	t              *testing.T
	slack          *slacktest.Server
	polyv          *polyvtest.Server
	stdout, stderr *logtest.Buffer
	cancel         context.CancelFunc
	done           chan int
	code           int
	once           sync.Once
}

func startRun(t *testing.T, o runOpts) *runHarness {
	t.Helper()
	h := &runHarness{t: t, stdout: &logtest.Buffer{}, stderr: &logtest.Buffer{}, done: make(chan int, 1)}
	h.slack = slacktest.NewServer(append([]slacktest.Option{
		slacktest.WithAppToken(runAppToken), slacktest.WithBotToken(runBotToken)}, o.slackOpts...)...)
	h.polyv = polyvtest.NewServer(runPolyvID, runPolyvSecret, o.polyvOpts...)
	env := withOverrides(h.baseEnv(), o.env)
	if o.setup != nil {
		o.setup(h.slack, h.polyv)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() {
		h.done <- Run(ctx, nil, staticEnv(env), h.stdout, h.stderr)
	}()
	t.Cleanup(h.close)
	if !o.noWait {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, h.slack.WaitConnected(ctx), "bot never connected; stderr:\n%s", h.stderr)
	}
	return h
}

func (h *runHarness) baseEnv() map[string]string {
	return map[string]string{
		"SLACK_APP_TOKEN": runAppToken, "SLACK_BOT_TOKEN": runBotToken, "SLACK_API_URL": h.slack.APIURL(),
		"POLYV_APP_ID": runPolyvID, "POLYV_APP_SECRET": runPolyvSecret, "POLYV_API_URL": h.polyv.URL,
		"POLYV_TIMEOUT": "2s", "ALLOWED_USERS": runResponder, "LOG_LEVEL": "debug", "VERIFY_STOP": "false",
	}
}

// stop cancels the run (as SIGTERM does) and returns its exit code.
func (h *runHarness) stop() int {
	h.once.Do(func() {
		h.cancel()
		h.code = h.wait(30 * time.Second)
	})
	return h.code
}

// wait returns run's exit code, failing the test if it takes longer than d.
func (h *runHarness) wait(d time.Duration) int {
	select {
	case code := <-h.done:
		h.done <- code
		return code
	case <-time.After(d):
		h.t.Fatalf("run did not return within %s", d)
		return -1
	}
}

func (h *runHarness) close() {
	h.stop()
	h.slack.Close()
	h.polyv.Close()
	if h.t.Failed() {
		h.t.Logf("stderr:\n%s\nstdout:\n%s", h.stderr, h.stdout)
	}
}

// send delivers a slash command from the responder and waits for the ack.
func (h *runHarness) send(text string) (slacktest.Ack, string) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	env, url, err := h.slack.SendSlashCommand(ctx, slacktest.SlashCommand{Text: text, UserID: runResponder, ChannelID: runChannel})
	require.NoError(h.t, err)
	ack, err := h.slack.WaitAck(ctx, env)
	require.NoError(h.t, err)
	return ack, url
}

// outcome waits for the final line about Polyv channel id, wherever the
// requester can see it: the thread, or posts to the command's response_url.
func (h *runHarness) outcome(responseURL string, id int64) string {
	h.t.Helper()
	var line string
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := h.slack.WaitFor(ctx, func(s *slacktest.Server) bool {
		line = findOutcome(s, responseURL, id)
		return line != ""
	})
	require.NoError(h.t, err, "no outcome for Polyv channel %d", id)
	return line
}

// findOutcome is the final line about channel id, with the channel's name
// taken out: these tests are about what happened, and a name stands in «»
// after the id only when the bot knew it in time.
func findOutcome(s *slacktest.Server, responseURL string, id int64) string {
	want := fmt.Sprintf("Polyv channel %d:", id)
	final := func(text string) bool {
		return strings.Contains(text, want) && strings.ContainsAny(text, "✅❌⏳🧪❔")
	}
	for _, m := range s.ChannelMessages(runChannel) {
		for _, r := range s.Thread(runChannel, m.TS) {
			if text := unnamed(r.Text); final(text) {
				return text
			}
		}
	}
	for _, p := range s.ResponsePosts() {
		if text := unnamed(p.Text); p.URL == responseURL && final(text) {
			return text
		}
	}
	return ""
}

// channelName is a Polyv channel's name as the bot shows it after the id.
var channelName = regexp.MustCompile(` «[^»\n]*»`)

func unnamed(text string) string { return channelName.ReplaceAllString(text, "") }

// checkPolyv asserts the no-double-action invariant: stop calls only for the
// channels asked for, at most attempts per command (retries of 5xx and
// transport errors), and at most one that succeeded per command.
func (h *runHarness) checkPolyv(asked map[int64]int, attempts int) {
	h.t.Helper()
	calls, ok := map[int64]int{}, map[int64]int{}
	for _, c := range h.polyv.Calls() {
		if !strings.HasSuffix(c.Path, "stop-pull-stream") {
			continue
		}
		for _, id := range c.ChannelIDs {
			calls[id]++
			if c.Verdict == "ok" {
				ok[id]++
			}
		}
	}
	for id, n := range calls {
		require.Contains(h.t, asked, id, "Polyv got a stop for channel %d nobody asked for", id)
		require.LessOrEqual(h.t, n, asked[id]*attempts, "stop calls for %d", id)
		require.LessOrEqual(h.t, ok[id], asked[id], "successful stops for %d", id)
	}
	require.NotContains(h.t, h.stderr.String(), "panic")
}

func TestEnvFileErrorsNameTheLineNotTheText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		wantLine   int
	}{
		{"open quote", "A=1\nSLACK_BOT_TOKEN=\"xoxb-leak-me\nC=3\n", 2},
		{"not NAME=value", "A=1\nB=2\nxoxb leak me\nC=3\n", 3},
		{"first line", "'xoxb-leak-me\n", 1},
		{"after a valid multi-line value", "A=\"multi\nline\"\nB=1\nC='xoxb-leak-me\n", 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), ".env")
			require.NoError(t, os.WriteFile(path, []byte(tc.text), 0o600))
			_, err := envLookup(path, io.Discard)
			require.Error(t, err)
			require.Contains(t, err.Error(), fmt.Sprintf("line %d cannot be parsed", tc.wantLine))
			require.NotContains(t, err.Error(), "leak")
		})
	}
}

// A .env saved with a byte order mark loads, and the operator is told; one
// that still does not parse is blamed on its own line, not on the mark.
func TestEnvFileWithByteOrderMark(t *testing.T) {
	t.Parallel()
	const bom = "\uFEFF"
	tests := []struct {
		name, text string
		want       map[string]string
		wantLine   int // 0: the file loads
		wantWarn   bool
	}{
		{"BOM", bom + "POLYVBOT_TEST_BOM_A=1\nPOLYVBOT_TEST_BOM_B=2\n", map[string]string{"POLYVBOT_TEST_BOM_A": "1", "POLYVBOT_TEST_BOM_B": "2"}, 0, true},
		{"BOM before a comment", bom + "# polyvbot\nPOLYVBOT_TEST_BOM_A=1\n", map[string]string{"POLYVBOT_TEST_BOM_A": "1"}, 0, true},
		{"BOM and a broken line 3", bom + "POLYVBOT_TEST_BOM_A=1\nPOLYVBOT_TEST_BOM_B=2\nC='xoxb-leak-me\n", nil, 3, true},
		{"BOM and a broken line 1", bom + "xoxb leak me\n", nil, 1, true},
		{"no BOM", "POLYVBOT_TEST_BOM_A=1\n", map[string]string{"POLYVBOT_TEST_BOM_A": "1"}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), ".env")
			require.NoError(t, os.WriteFile(path, []byte(tc.text), 0o600))
			var warn bytes.Buffer
			lookup, err := envLookup(path, &warn)
			if tc.wantWarn {
				require.Contains(t, warn.String(), path+" starts with a UTF-8 byte order mark (BOM); it was ignored")
			} else {
				require.Empty(t, warn.String())
			}
			if tc.wantLine > 0 {
				require.Error(t, err)
				msg := strings.ReplaceAll(err.Error(), path, ".env") // the test's name is in the path
				require.Contains(t, msg, fmt.Sprintf(".env line %d cannot be parsed", tc.wantLine))
				for _, blame := range []string{"BOM", "byte order", "leak"} {
					require.NotContains(t, msg, blame)
				}
				return
			}
			require.NoError(t, err)
			for name, want := range tc.want {
				got, ok := lookup.lookup(name)
				require.True(t, ok, name)
				require.Equal(t, want, got, name)
			}
		})
	}
}

func TestEnvLookupEnvironmentWins(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	require.NoError(t, os.WriteFile(path, []byte("POLYVBOT_TEST_A=file\nPOLYVBOT_TEST_B=file\n"), 0o600))
	t.Setenv("POLYVBOT_TEST_A", "env")
	lookup, err := envLookup(path, io.Discard)
	require.NoError(t, err)
	for name, want := range map[string]string{"POLYVBOT_TEST_A": "env", "POLYVBOT_TEST_B": "file"} {
		got, ok := lookup.lookup(name)
		require.True(t, ok, name)
		require.Equal(t, want, got, name)
	}
	_, err = envLookup(filepath.Join(t.TempDir(), "absent.env"), io.Discard)
	require.NoError(t, err, "no .env file is fine: the environment alone may hold everything")
}

// A broken .env must not stand between the operator and -version, and
// everywhere else it is a configuration error (exit 2), as is a bad flag.
func TestRunExitCodesWithoutConfiguration(t *testing.T) {
	t.Parallel()
	broken := func() (Environment, error) { return Environment{}, errors.New(".env line 2 cannot be parsed") }
	tests := []struct {
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{[]string{"-version"}, exitOK, "polyvbot dev", ""},
		{nil, exitConfig, "", ".env line 2 cannot be parsed"},
		{[]string{"-check"}, exitConfig, "", ".env line 2 cannot be parsed"},
		{[]string{"-dry-run"}, exitConfig, "", ".env line 2 cannot be parsed"},
		{[]string{"-no-such-flag"}, exitConfig, "", "flag provided but not defined"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), tc.args, broken, &stdout, &stderr)
			require.Equal(t, tc.wantCode, code, stderr.String())
			require.Contains(t, stdout.String(), tc.wantStdout)
			require.Contains(t, stderr.String(), tc.wantStderr)
		})
	}
}

// -demo was a flag of the bot; the demo is a command of its own now, so
// that the bot's binary links no fake. Whoever still types the flag is told
// where the demo went, before any .env is read.
func TestRunDemoFlagPointsToTheDemoCommand(t *testing.T) {
	t.Parallel()
	broken := func() (Environment, error) { return Environment{}, errors.New(".env line 2 cannot be parsed") }
	for _, args := range [][]string{{"-demo"}, {"--demo"}, {"-demo=true"}, {"-dry-run", "-demo"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), args, broken, &stdout, &stderr)
			require.Equal(t, exitConfig, code, stderr.String())
			require.Empty(t, stdout.String())
			require.Equal(t, "polyvbot: -demo: the demo is now its own command: go run ./cmd/demo\n", stderr.String())
		})
	}
}

func TestRunBadConfigurationExits2(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), nil, staticEnv(map[string]string{
		"SLACK_APP_TOKEN": runBotToken, "SLACK_BOT_TOKEN": runAppToken,
	}), &stdout, &stderr)
	require.Equal(t, exitConfig, code)
	for _, want := range []string{"SLACK_APP_TOKEN: must start with \"xapp-\"", "were the two tokens swapped?",
		"POLYV_APP_ID: is required", "POLYV_APP_SECRET: is required", "See .env.example"} {
		require.Contains(t, stderr.String(), want)
	}
	require.NotContains(t, stderr.String(), runBotToken)
	require.NotContains(t, stderr.String(), runAppToken)
}
