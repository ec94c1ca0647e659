package bot

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/bot/slackclient"
	"github.com/polyvbot/polyvbot/internal/logtest"
	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// The pipeline's tests run it as a plain function: a request in, a Record
// and the Slack calls it made out. Slack is the fake below; Polyv is the
// real client against the fake Polyv over an in-memory network. Each test
// runs in a testing/synctest bubble: time moves only when every goroutine
// waits, so verification's checks at 1, 3, 7 and 15 seconds, a hung
// call's time-out or a prompt's expiry cost no real time, and the time a
// test reads is exact.

const (
	testAppID     = "appTEST01"
	testAppSecret = "s3cr3t-polyv-app-secret-value"
	responder     = "U0RESP"
	opsChannel    = "C0OPS"
	auditChannel  = "C0AUDIT"
	responseURL   = "https://hooks.slack.test/commands/1"
)

// epoch is when the tests' commands are received: newEnv moves the bubble's
// clock, which starts at 2000-01-01, there.
var epoch = time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC)

// fakeSlack records what the pipeline asks of Slack. It can fail a call
// (by method, optionally for one channel), hold a call until released, or
// hang it until its context ends, like a Slack that hangs. Like Slack, it
// answers nothing to a call whose context has ended.
type fakeSlack struct {
	mu         sync.Mutex
	ts         int
	msgs       []fakeMsg
	ephemerals []fakeEphemeral
	responses  []fakeResponse
	fail       map[string]error // "post", "post C0OPS", "update", "ephemeral", "respond", "blocks"
	stalls     map[string]*stall
	// refused lists the messages past Slack's Block Kit limits, which it
	// answered invalid_blocks, as Slack does; newEnv fails the test if any.
	refused []string
}

type fakeMsg struct {
	Channel, TS, ThreadTS, Text string
	Blocks                      []slack.Block
	Updates                     []string
}

// Latest is the text of the last update, or the text first posted.
func (m fakeMsg) Latest() string {
	if len(m.Updates) == 0 {
		return m.Text
	}
	return m.Updates[len(m.Updates)-1]
}

type fakeEphemeral struct {
	Channel, User, Text string
	Blocks              []slack.Block
	At                  time.Time // when it arrived, on the real (or synctest) clock
}

type fakeResponse struct {
	URL string
	slackclient.Response
}

// stall makes calls wait: until release is closed, or, with hang, until
// their context ends.
type stall struct {
	arrived chan struct{} // closed when the first call reaches it
	release chan struct{}
	hang    bool
	next    bool // only the next call waits
	once    sync.Once
}

func newFakeSlack() *fakeSlack {
	return &fakeSlack{fail: map[string]error{}, stalls: map[string]*stall{}}
}

// failWith makes calls of what ("post", "post C0OPS", "update", "ephemeral",
// "respond", or "blocks": any call whose message has blocks) fail with err
// from now on; nil clears it.
func (f *fakeSlack) failWith(what string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.fail, what)
		return
	}
	f.fail[what] = err
}

// hold makes posts to channel wait until the returned func is called.
func (f *fakeSlack) hold(channel string) (release func()) {
	_, release = f.stallCalls("post "+channel, &stall{})
	return release
}

// holdNext makes the next call of what ("update C0OPS", "respond", …) wait
// until release is called; arrived is closed when that call has come.
func (f *fakeSlack) holdNext(what string) (arrived <-chan struct{}, release func()) {
	return f.stallCalls(what, &stall{next: true})
}

// hang makes every call of what wait until its context ends, as a Slack
// that never answers, or a client that waits out a Retry-After, does.
func (f *fakeSlack) hang(what string) {
	f.stallCalls(what, &stall{hang: true})
}

func (f *fakeSlack) stallCalls(what string, s *stall) (<-chan struct{}, func()) {
	s.arrived, s.release = make(chan struct{}), make(chan struct{})
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stalls[what] = s
	return s.arrived, sync.OnceFunc(func() { close(s.release) })
}

// enter lets a call of method (to channel) through once Slack would answer
// it: at once, after a hold, or never when its context ends first.
func (f *fakeSlack) enter(ctx context.Context, method, channel string) error {
	f.mu.Lock()
	key := method + " " + channel
	s := f.stalls[key]
	if s == nil {
		key = method
		s = f.stalls[key]
	}
	if s != nil && s.next {
		delete(f.stalls, key)
	}
	f.mu.Unlock()
	if s != nil {
		s.once.Do(func() { close(s.arrived) })
		release := s.release
		if s.hang {
			release = nil
		}
		select {
		case <-release:
		case <-ctx.Done():
		}
	}
	return ctx.Err()
}

// admit checks a message's blocks as Slack does, f.mu held: past the Block
// Kit limits, or reusing a block_id of the message it replaces (earlier),
// it is refused with invalid_blocks and recorded.
func (f *fakeSlack) admit(method string, blocks []slack.Block, earlier map[string]bool) error {
	if len(blocks) == 0 {
		return nil
	}
	if problems := blockKitProblems(blocks, earlier); len(problems) > 0 {
		f.refused = append(f.refused, fmt.Sprintf("%s: %s", method, strings.Join(problems, "; ")))
		return slack.SlackErrorResponse{Err: "invalid_blocks"}
	}
	return f.fail["blocks"]
}

// refusals are the messages the fake refused as past Slack's limits.
func (f *fakeSlack) refusals() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.refused...)
}

func (f *fakeSlack) failure(what, channel string) error {
	if err, ok := f.fail[what+" "+channel]; ok {
		return err
	}
	return f.fail[what]
}

func (f *fakeSlack) Post(ctx context.Context, channel string, m slackclient.Message) (string, string, error) {
	if err := f.enter(ctx, "post", channel); err != nil {
		return "", "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failure("post", channel); err != nil {
		return "", "", err
	}
	if err := f.admit("chat.postMessage", m.Blocks, nil); err != nil {
		return "", "", err
	}
	f.ts++
	ts := fmt.Sprintf("1700000000.%06d", f.ts)
	f.msgs = append(f.msgs, fakeMsg{Channel: channel, TS: ts, ThreadTS: m.ThreadTS, Text: m.Text, Blocks: m.Blocks})
	return ts, f.Permalink(channel, ts), nil
}

func (f *fakeSlack) Permalink(channel, ts string) string {
	return "https://test.slack.com/archives/" + channel + "/p" + strings.Replace(ts, ".", "", 1)
}

func (f *fakeSlack) Update(ctx context.Context, channel, ts string, m slackclient.Message) error {
	if err := f.enter(ctx, "update", channel); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failure("update", channel); err != nil {
		return err
	}
	for i := range f.msgs {
		if f.msgs[i].Channel == channel && f.msgs[i].TS == ts {
			if err := f.admit("chat.update", m.Blocks, blockIDs(f.msgs[i].Blocks)); err != nil {
				return err
			}
			f.msgs[i].Updates = append(f.msgs[i].Updates, m.Text)
			return nil
		}
	}
	return slack.SlackErrorResponse{Err: "message_not_found"}
}

func (f *fakeSlack) PostEphemeral(ctx context.Context, channel, user string, m slackclient.Message) error {
	if err := f.enter(ctx, "ephemeral", channel); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failure("ephemeral", channel); err != nil {
		return err
	}
	if err := f.admit("chat.postEphemeral", m.Blocks, nil); err != nil {
		return err
	}
	f.ephemerals = append(f.ephemerals, fakeEphemeral{Channel: channel, User: user, Text: m.Text, Blocks: m.Blocks, At: time.Now()})
	return nil
}

func (f *fakeSlack) Respond(ctx context.Context, url string, r slackclient.Response) error {
	if err := f.enter(ctx, "respond", ""); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failure("respond", ""); err != nil {
		return err
	}
	var earlier map[string]bool
	if r.Replace {
		earlier = map[string]bool{}
		for _, prev := range f.responses {
			if prev.URL == url {
				maps.Copy(earlier, blockIDs(prev.Blocks))
			}
		}
	}
	if err := f.admit("response_url", r.Blocks, earlier); err != nil {
		return err
	}
	f.responses = append(f.responses, fakeResponse{URL: url, Response: r})
	return nil
}

// parents returns the top-level messages in channel.
func (f *fakeSlack) parents(channel string) []fakeMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeMsg
	for _, m := range f.msgs {
		if m.Channel == channel && m.ThreadTS == "" {
			out = append(out, m)
		}
	}
	return out
}

// thread returns the texts of the replies to ts in channel.
func (f *fakeSlack) thread(channel, ts string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, m := range f.msgs {
		if m.Channel == channel && m.ThreadTS == ts && ts != "" {
			out = append(out, m.Text)
		}
	}
	return out
}

func (f *fakeSlack) responded() []fakeResponse {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeResponse(nil), f.responses...)
}

func (f *fakeSlack) ephemeralTexts() []fakeEphemeral {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeEphemeral(nil), f.ephemerals...)
}

// env is one pipeline with its fakes.
type env struct {
	t      *testing.T
	slack  *fakeSlack
	polyv  *polyvtest.Server
	p      *pipeline
	quota  *rate.Limiter // the Polyv client's global bucket; nil with a stub
	logs   *logtest.Buffer
	mu     sync.Mutex
	audits []Record
	// verdicts carries each verification's verdict record, by request id.
	verdicts map[string]chan Record
	// jobs counts the verdicts the verifier will hand on; each runs on a
	// goroutine of its own, as on a worker.
	jobs sync.WaitGroup
	// stopVerifier ends the verifier, as the end of a shutdown's grace
	// period does.
	stopVerifier func()
}

// envConfig is what a test may change before the pipeline is built.
type envConfig struct {
	set          settings
	rules        auth.Rules
	statusRules  *auth.Rules
	dir          auth.Directory
	userPerMin   float64
	userBurst    int
	globalPerMin float64
	globalBurst  int
	maxWait      time.Duration
	ticketKey    []byte
	// clockOffset sets this replica's clock apart from the bubble's, as a
	// host whose clock runs ahead (or behind) does: its confirmation
	// tickets are issued and redeemed on it. One bubble has one clock, so
	// the tickets read this one through their own now.
	clockOffset time.Duration
	// stub, when set, is the Polyv the pipeline calls instead of the real
	// client and the fake Polyv.
	stub Polyv
	// polyvUserID is the userId the client sends with ban and resume
	// (POLYV_USER_ID); the fake Polyv's account has polyvtest.DefaultUserID.
	polyvUserID string
	// approvalAll and approvalIDs are APPROVAL_CHANNELS; approvalTTL its
	// requests' lifetime (10 minutes unless set).
	approvalAll bool
	approvalIDs []int64
	approvalTTL time.Duration
	// names turns the channel-name cache on (withNames). Off, messages name
	// channels by number, as the tests of everything else expect.
	names bool
}

// withoutUserID is a bot without POLYV_USER_ID.
func withoutUserID(c *envConfig) { c.polyvUserID, c.set.CutoffAvailable = "", false }

// withNames gives the pipeline its channel-name cache, as bot.New does.
func withNames(c *envConfig) { c.names = true }

// stubbed runs the pipeline against stubPolyv.
func stubbed(c *envConfig) { c.stub = stubPolyv{} }

// newEnv builds a pipeline with its fakes. It must run in a synctest bubble
// (synctest.Test): the first env of a bubble moves its clock to epoch.
func newEnv(t *testing.T, opts ...func(*envConfig)) *env {
	t.Helper()
	c := envConfig{
		set: settings{AuditChannel: auditChannel, PolyvTimeout: 2 * time.Second, VerifyStop: true, VerifyWindow: 15 * time.Second, ConfirmTTL: 2 * time.Minute,
			CutoffAvailable: true},
		polyvUserID: polyvtest.DefaultUserID,
		rules:       auth.Rules{Users: []string{responder}},
		userPerMin:  600, userBurst: 50, globalPerMin: 6000, globalBurst: 100, maxWait: 5 * time.Second,
	}
	for _, o := range opts {
		o(&c)
	}
	time.Sleep(time.Until(epoch))
	e := &env{t: t, slack: newFakeSlack(), logs: &logtest.Buffer{}, verdicts: map[string]chan Record{}}
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	groups := auth.NewGroupCache(c.dir, auth.WithLogger(log))
	stop, err := auth.NewPolicy(c.rules, groups)
	require.NoError(t, err)
	status := stop
	if c.statusRules != nil {
		status, err = auth.NewPolicy(*c.statusRules, groups)
		require.NoError(t, err)
	}
	e.p = &pipeline{
		slack: e.slack, polyv: e.polyvClient(c, log), stopPolicy: stop, statusPolicy: status,
		users:       auth.NewUserLimiter(c.userPerMin, c.userBurst),
		statusUsers: auth.NewUserLimiter(c.userPerMin, c.userBurst),
		sink:        AuditFunc(e.audit), metrics: NewMetrics(nil), log: log, set: c.set,
		flights: newFlights(), tickets: newTickets(c.ticketKey, c.set.ConfirmTTL, offsetClock(c.clockOffset)), offers: newOffers(c.ticketKey),
		workers: e, approval: newApprovals(c.approvalAll, c.approvalIDs, cmp.Or(c.approvalTTL, 10*time.Minute), c.ticketKey, offsetClock(c.clockOffset)),
	}
	e.p.verifier = newVerifier(e.p)
	if c.names {
		e.p.names = newNames(e.p.polyv, withQuota(e.quota))
		t.Cleanup(e.p.names.Close)
	}
	ctx, stopVerifier := context.WithCancel(context.Background())
	e.stopVerifier = stopVerifier
	verifierDone := make(chan struct{})
	go func() {
		defer close(verifierDone)
		e.p.verifier.run(ctx)
	}()
	t.Cleanup(func() {
		stopVerifier()
		<-verifierDone
		e.jobs.Wait()
	})
	t.Cleanup(func() {
		require.Empty(t, e.slack.refusals(), "every message meets Slack's Block Kit limits")
	})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", e.logs.String())
		}
	})
	return e
}

// offsetClock is the time on a host whose clock is offset from the
// bubble's.
func offsetClock(offset time.Duration) func() time.Time {
	return func() time.Time { return time.Now().Add(offset) }
}

// polyvClient is the real Polyv client against a fake Polyv over an
// in-memory network, or c's stub.
func (e *env) polyvClient(c envConfig, log *slog.Logger) Polyv {
	if c.stub != nil {
		return c.stub
	}
	net := newPipeNet()
	e.polyv = polyvtest.NewServer(testAppID, testAppSecret, polyvtest.WithListener(net))
	hc := net.client()
	e.t.Cleanup(func() {
		e.polyv.Close()
		hc.CloseIdleConnections()
	})
	e.quota = rate.NewLimiter(rate.Limit(c.globalPerMin/60), c.globalBurst)
	return polyv.NewClient(testAppID, testAppSecret,
		polyv.WithHTTPClient(hc),
		polyv.WithBaseURL(e.polyv.URL),
		polyv.WithLimiter(e.quota),
		polyv.WithMaxWait(c.maxWait),
		polyv.WithTimeout(c.set.PolyvTimeout),
		polyv.WithRetries(3, time.Millisecond),
		polyv.WithDryRun(c.set.DryRun),
		polyv.WithUserID(c.polyvUserID),
		polyv.WithLogger(log))
}

func (e *env) reserve() { e.jobs.Add(1) }

// handOn runs a verdict as a worker would, and hands its record to
// verdict.
func (e *env) handOn(req Request) {
	go func() {
		defer e.jobs.Done()
		rec := e.p.handle(context.Background(), req)
		e.p.finish(rec)
		e.verdictOf(req.ID) <- rec
	}()
}

func (e *env) verdictOf(id string) chan Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.verdicts[id]
	if !ok {
		c = make(chan Record, 1)
		e.verdicts[id] = c
	}
	return c
}

// verdict waits for the record of the verdict on request id's stop.
func (e *env) verdict(id string) Record {
	e.t.Helper()
	select {
	case rec := <-e.verdictOf(id):
		return rec
	case <-time.After(time.Minute):
		e.t.Fatalf("no verdict for %s", id)
	}
	return Record{}
}

func (e *env) audit(r Record) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.audits = append(e.audits, r)
}

// request builds the request a slash command from the responder in the ops
// channel makes; change lets a test change it.
func (e *env) request(text string, change ...func(*Request)) Request {
	e.t.Helper()
	cmd, err := ParseCommand(text)
	require.NoError(e.t, err, "the test's command must parse")
	req := Request{ID: envelopeID(text), User: responder, UserName: "resp", Channel: opsChannel, ResponseURL: responseURL,
		Slash: "/polyv", Text: text, Command: cmd, Received: time.Now()}
	for _, c := range change {
		c(&req)
	}
	return req
}

// envelopeID is a Socket Mode envelope id for seed, shaped as Slack's are:
// a 36-character UUID, so that whatever the bot derives from it meets
// Slack's limits in the tests as it must in production.
func envelopeID(seed string) string {
	h := sha256.Sum256([]byte(seed))
	x := hex.EncodeToString(h[:16])
	return x[:8] + "-" + x[8:12] + "-4" + x[13:16] + "-8" + x[17:20] + "-" + x[20:32]
}

// withID gives a request the envelope id of seed.
func withID(seed string) func(*Request) { return func(r *Request) { r.ID = envelopeID(seed) } }

// handle runs req as a worker does: handle, then its record to the sink.
func (e *env) handle(req Request) Record {
	rec := e.p.handle(context.Background(), req)
	e.p.finish(rec)
	return rec
}

// do runs req to its end and returns its record: for a stop being
// verified, the verdict's.
func (e *env) do(req Request) Record {
	e.t.Helper()
	if rec := e.handle(req); !rec.Pending() {
		return rec
	}
	return e.verdict(req.ID)
}

// record is the last audit record written for request id.
func (e *env) record(id string) Record {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := len(e.audits) - 1; i >= 0; i-- {
		if e.audits[i].ID == id {
			return e.audits[i]
		}
	}
	e.t.Fatalf("no audit record for %s", id)
	return Record{}
}

// run is do(request(text, change…)).
func (e *env) run(text string, change ...func(*Request)) Record {
	e.t.Helper()
	return e.do(e.request(text, change...))
}

// parent returns the only parent in the ops channel and its thread.
func (e *env) parent() (fakeMsg, []string) {
	e.t.Helper()
	ps := e.slack.parents(opsChannel)
	require.Len(e.t, ps, 1, "one parent in the channel")
	return ps[0], e.slack.thread(opsChannel, ps[0].TS)
}

// private returns the texts sent only to the requester, whichever way.
func (e *env) private() []string {
	var out []string
	for _, r := range e.slack.responded() {
		if !r.InChannel {
			out = append(out, r.Text)
		}
	}
	for _, m := range e.slack.ephemeralTexts() {
		out = append(out, m.Text)
	}
	return out
}

func (e *env) auditLines() []string {
	var out []string
	for _, m := range e.slack.parents(auditChannel) {
		out = append(out, m.Text)
	}
	return out
}

func (e *env) stopCalls(id int64) int { return e.polyv.StopCalls(id) }

// actions are the calls that change something at Polyv (POSTs: a stop, a
// cut-off, a resume); the reads a prompt or a name makes are not.
func (e *env) actions() []polyvtest.Call {
	var out []polyvtest.Call
	for _, c := range e.polyv.Calls() {
		if c.Method != "GET" {
			out = append(out, c)
		}
	}
	return out
}

func (e *env) statusCalls() int {
	n := 0
	for _, c := range e.polyv.Calls() {
		if strings.HasSuffix(c.Path, "live-status/list") {
			n++
		}
	}
	return n
}

// as makes a request come from user.
func as(user string) func(*Request) { return func(r *Request) { r.User = user } }

// countLines counts the lines that contain want.
func countLines(lines []string, want string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, want) {
			n++
		}
	}
	return n
}

// groups is a Directory of fixed user groups; a group set to nil fails.
type groups map[string][]string

func (g groups) UserGroupMembers(_ context.Context, id string) ([]string, error) {
	members, ok := g[id]
	if !ok || members == nil {
		return nil, slack.SlackErrorResponse{Err: "missing_scope"}
	}
	return members, nil
}

// denyAll refuses everyone.
type denyAll struct{}

func (denyAll) Check(_ context.Context, userID, _ string) auth.Ruling {
	return auth.Ruling{Denial: auth.DenyUser, User: userID}
}

// refusingPolyv fails every call: for tests where Polyv must not be reached.
type refusingPolyv struct{}

func (refusingPolyv) StopPullStream(context.Context, int64) (polyv.CallStats, error) {
	return polyv.CallStats{}, errors.New("Polyv must not be called")
}

func (refusingPolyv) Cutoff(context.Context, int64) (polyv.CallStats, error) {
	return polyv.CallStats{}, errors.New("Polyv must not be called")
}

func (refusingPolyv) Resume(context.Context, int64) (polyv.CallStats, error) {
	return polyv.CallStats{}, errors.New("Polyv must not be called")
}

func (refusingPolyv) LiveStatus(context.Context, ...int64) (map[int64]polyv.LiveStatus, error) {
	return nil, errors.New("Polyv must not be called")
}

func (refusingPolyv) TryLiveStatus(context.Context, ...int64) (map[int64]polyv.LiveStatus, error) {
	return nil, errors.New("Polyv must not be called")
}

func (refusingPolyv) TryChannelInfo(context.Context, int64) (polyv.ChannelInfo, error) {
	return polyv.ChannelInfo{}, errors.New("Polyv must not be called")
}

func (refusingPolyv) RealtimeViewers(context.Context, ...int64) (map[int64]int, error) {
	return nil, errors.New("Polyv must not be called")
}

func (refusingPolyv) StreamType(context.Context, int64) (polyv.StreamType, error) {
	return "", errors.New("Polyv must not be called")
}

// stubPolyv stops every channel at once and reports it ended; status
// reads it live.
type stubPolyv struct{}

func (stubPolyv) StopPullStream(context.Context, int64) (polyv.CallStats, error) {
	return polyv.CallStats{Attempts: 1}, nil
}

func (stubPolyv) Cutoff(context.Context, int64) (polyv.CallStats, error) {
	return polyv.CallStats{Attempts: 1}, nil
}

func (stubPolyv) Resume(context.Context, int64) (polyv.CallStats, error) {
	return polyv.CallStats{Attempts: 1}, nil
}

func (stubPolyv) LiveStatus(_ context.Context, ids ...int64) (map[int64]polyv.LiveStatus, error) {
	return statuses(ids, polyv.StatusLive), nil
}

func (stubPolyv) TryLiveStatus(_ context.Context, ids ...int64) (map[int64]polyv.LiveStatus, error) {
	return statuses(ids, polyv.StatusEnd), nil
}

// TryChannelInfo knows no channel's name: a stubbed stop is the bare stop.
func (stubPolyv) TryChannelInfo(_ context.Context, id int64) (polyv.ChannelInfo, error) {
	return polyv.ChannelInfo{}, fmt.Errorf("polyv channel-info %d: %w", id, polyv.ErrChannelNotFound)
}

func (stubPolyv) RealtimeViewers(context.Context, ...int64) (map[int64]int, error) {
	return map[int64]int{}, nil
}

func (stubPolyv) StreamType(context.Context, int64) (polyv.StreamType, error) {
	return polyv.StreamPull, nil
}

func statuses(ids []int64, st polyv.LiveStatus) map[int64]polyv.LiveStatus {
	out := make(map[int64]polyv.LiveStatus, len(ids))
	for _, id := range ids {
		out[id] = st
	}
	return out
}
