package bot

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/bot/slackclient"
	"github.com/polyvbot/polyvbot/polyv"
)

// Slack is everything the pipeline asks of Slack. *slackclient.Client is
// the real one; the pipeline's tests use a small fake.
type Slack interface {
	// Post posts m in channel (in m.ThreadTS's thread when set) and returns
	// its ts and permalink. It is never retried once it may have reached
	// Slack.
	Post(ctx context.Context, channel string, m slackclient.Message) (ts, link string, err error)
	Update(ctx context.Context, channel, ts string, m slackclient.Message) error
	PostEphemeral(ctx context.Context, channel, user string, m slackclient.Message) error
	Respond(ctx context.Context, responseURL string, r slackclient.Response) error
	// Permalink is the link to the message at ts in channel, without a
	// call to Slack; "" when it cannot be known.
	Permalink(channel, ts string) string
}

// Polyv is what the bot needs from the Polyv client.
type Polyv interface {
	StopPullStream(ctx context.Context, channelID int64) (polyv.CallStats, error)
	// Cutoff and Resume ban pushing to a channel and lift the ban; they
	// need the Polyv account's userId (settings.CutoffAvailable).
	Cutoff(ctx context.Context, channelID int64) (polyv.CallStats, error)
	Resume(ctx context.Context, channelID int64) (polyv.CallStats, error)
	LiveStatus(ctx context.Context, channelIDs ...int64) (map[int64]polyv.LiveStatus, error)
	// TryLiveStatus makes one attempt, only if a global token is free now.
	TryLiveStatus(ctx context.Context, channelIDs ...int64) (map[int64]polyv.LiveStatus, error)
	// TryChannelInfo, a channel's name and host, makes one attempt, only
	// if a global token is free now: the names never wait for a token.
	TryChannelInfo(ctx context.Context, channelID int64) (polyv.ChannelInfo, error)
	// RealtimeViewers and StreamType are status's and the prompt's reads.
	RealtimeViewers(ctx context.Context, channelIDs ...int64) (map[int64]int, error)
	StreamType(ctx context.Context, channelID int64) (polyv.StreamType, error)
}

// Authorizer decides whether a Slack user may act in a Slack channel.
type Authorizer interface {
	Check(ctx context.Context, userID, channelID string) auth.Ruling
}

// UserThrottle is a per-user token bucket.
type UserThrottle interface {
	Take(userID string) (ok bool, retryAfter time.Duration)
}

// postTimeout bounds each Slack post. Posts run on a context cut from the
// command's, so that outcomes are still posted after the shutdown grace
// period has cancelled the command.
const postTimeout = 20 * time.Second

// workers run the jobs the verifier hands on (a verification's verdict):
// the pool in production.
type workers interface {
	// reserve counts a job to come, so that the drain waits for it.
	reserve()
	// handOn gives a reserved job to a worker.
	handOn(Request)
}

// pipeline turns a request into Polyv calls, Slack messages and one audit
// record. It is plain code: its only ways out are the interfaces above and
// the audit sink.
type pipeline struct {
	slack        Slack
	polyv        Polyv
	stopPolicy   Authorizer
	statusPolicy Authorizer
	users        UserThrottle // stop tokens, one per channel
	statusUsers  UserThrottle
	sink         AuditSink
	metrics      *Metrics
	log          *slog.Logger
	set          settings
	flights      *flights
	tickets      *tickets
	offers       *tickets // the cut-off buttons' (cutoff.go)
	verifier     *verifier
	workers      workers
	words        words // the language of everything it writes to people
	approval     *approvals
	names        *names // nil: messages show channel numbers only
}

// settings are the parts of the configuration the pipeline reads.
type settings struct {
	AuditChannel string
	PolyvTimeout time.Duration
	DryRun       bool
	VerifyStop   bool
	VerifyWindow time.Duration
	ConfirmStop  bool
	ConfirmTTL   time.Duration
	// CutoffAvailable: POLYV_USER_ID is set, so ban and resume can run.
	CutoffAvailable bool
}

// handle runs one request to its end and returns its record: the
// command's effects are done when it returns. A stop whose channels are
// verified is handed to the verifier, whose verdict is a job of its own
// with its own record (verdict). A panic ends the request with a private ❌
// and an error in the log rather than the process.
func (p *pipeline) handle(ctx context.Context, req Request) (rec Record) {
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("command panicked", "panic", r, "user", req.User, "request_id", req.ID)
			p.private(ctx, req, p.words.crashedText())
			rec = Record{Request: req, Decision: Crashed}
		}
	}()
	switch {
	case req.verdict != nil:
		return p.verdict(ctx, req.verdict)
	case req.Click != nil && req.Click.Action == ActionCutoff:
		return p.cutoffClick(ctx, req)
	case req.Click != nil && isApprovalAction(req.Click.Action):
		return p.approvalClick(ctx, req)
	case req.Click != nil:
		return p.click(ctx, req)
	}
	spec := specOf(req.Command.Verb)
	rec = Record{Request: req}
	switch {
	case !p.authorize(ctx, req, spec.policy(p), &rec):
	case spec.action != nil:
		p.act(ctx, spec.action, req, &rec)
	default:
		spec.run(p, ctx, req, &rec)
	}
	return rec
}

// tooLate answers a request that waited too long for a worker: it is not
// run, and the person who asked is told to try again.
func (p *pipeline) tooLate(ctx context.Context, req Request) Record {
	p.private(ctx, req, p.words.busyText())
	return Record{Request: req, Decision: Busy}
}

// finish completes rec and hands it to the metrics and the audit sink. A
// stop being verified is counted once, by its verdict's record, which
// knows how its unclear answers were settled.
func (p *pipeline) finish(rec Record) {
	rec.Finished = time.Now()
	rec.DryRun = p.set.DryRun
	if rec.names == nil {
		rec.names = p.knownNames(rec.Command.ChannelIDs)
	}
	if !rec.Pending() {
		p.metrics.commands.WithLabelValues(metricVerb(rec), outcomeLabel(rec)).Inc()
	}
	p.sink.Audit(rec)
}

// authorize checks the policy; a denial is answered privately, counted and
// posted to the audit channel.
func (p *pipeline) authorize(ctx context.Context, req Request, policy Authorizer, rec *Record) bool {
	d := policy.Check(ctx, req.User, req.Channel)
	if d.Permitted() {
		rec.Decision = Allowed
		return true
	}
	rec.Decision, rec.Denial = Denied, d.Denial
	rec.names = p.knownNames(req.Command.ChannelIDs) // a denied request makes no Polyv call, not even for a name
	p.metrics.denials.WithLabelValues(string(d.Denial)).Inc()
	p.private(ctx, req, p.words.deniedText(d))
	p.auditPost(ctx, req, p.words.auditLine(*rec))
	return false
}

// private answers only the person who asked; if no way works the answer is
// logged.
func (p *pipeline) private(ctx context.Context, req Request, text string) {
	pctx, cancel := postCtx(ctx)
	defer cancel()
	to := recipient{responseURL: req.ResponseURL, channel: req.Channel, user: req.User}
	if err := deliver(pctx, p.slack, to, slackclient.Response{Message: slackclient.Message{Text: text}}); err != nil {
		p.log.Error("private answer not posted", "request_id", req.ID, "user", req.User, "channel", req.Channel,
			"text", text, "err", err)
	}
}

// postCtx keeps a post alive after its command's context is cancelled, for
// at most postTimeout.
func postCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), postTimeout)
}

// metricVerb is the verb label of a record: what the command asked for.
func metricVerb(rec Record) string {
	switch {
	case rec.Decision == Invalid:
		return "invalid"
	case rec.Click != nil:
		return string(cmp.Or(rec.Command.Verb, VerbStop))
	}
	return string(rec.Command.Verb)
}

// outcomeLabel keeps the metric's label set small: a stop's per-channel
// states become stopped, failed, unclear or mixed.
func outcomeLabel(rec Record) string {
	if rec.Decision != Allowed || !rec.Command.Verb.acts() || len(rec.Channels) == 0 {
		return outcomeWord(rec)
	}
	label := ""
	for _, r := range rec.Channels {
		state := "failed"
		switch counted(r) {
		case HeldForApproval:
			continue // its own outcome follows, when the approval request ends
		case Stopped, DryRun, AlreadyNotLive:
			state = "stopped"
		case Unclear:
			state = "unclear"
		}
		if label != "" && label != state {
			return "mixed"
		}
		label = state
	}
	return label
}
