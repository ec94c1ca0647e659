package bot

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/language"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/polyv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestWordingGolden renders every message the bot can say, for typical and
// awkward values, in every language, into testdata/text.golden (English)
// and testdata/text.zh-CN.golden: a reviewer reads the whole voice of the
// bot in one file per language, and a change of wording shows in its diff.
// Run `go test ./bot -run TestWordingGolden -update` after changing wording.
func TestWordingGolden(t *testing.T) {
	t.Parallel()
	for _, lang := range []struct {
		tag  language.Tag
		file string
	}{{English, "text.golden"}, {Chinese, "text.zh-CN.golden"}} {
		t.Run(lang.tag.String(), func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			for _, s := range wordingSamples(newWords(lang.tag)) {
				fmt.Fprintf(&b, "== %s\n%s\n\n", s.name, s.text)
			}
			path := filepath.Join("testdata", lang.file)
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run with -update to create it")
			require.Equal(t, string(want), b.String(), "wording changed: review the diff and run with -update")
		})
	}
}

type sample struct{ name, text string }

func wordingSamples(wd words) []sample {
	req := Request{ID: "env-1", User: "U0ALICE", Channel: "C0OPS", Slash: "/polyv",
		Command: Command{Verb: VerbStop, ChannelIDs: []int64{10001, 10002, 10003}, Reason: "leak <!here> & more", ReasonMarked: true}}
	one := Request{ID: "env-2", User: "U0ALICE", Channel: "C0OPS", Slash: "/polyv", Command: Command{Verb: VerbStop, ChannelIDs: []int64{10001}}}
	click := Request{ID: "env-3", User: "U0ALICE", Channel: "C0OPS", Command: one.Command, Click: &Click{Action: ActionCancel}}
	ambiguous, _ := ParseCommand("stop 10001 2 viewers reported it")
	apiErr := func(reply string) error {
		_, err := polyv.DecodeResponse("stop-pull-stream", 200, []byte(reply))
		return err
	}
	serverErr := func() error {
		_, err := polyv.DecodeResponse("stop-pull-stream", 504, []byte("<html>504 Gateway Time-out</html>"))
		return err
	}()
	results := []ChannelResult{
		{ID: 10001, State: Stopped, Elapsed: 212 * time.Millisecond, Check: Check{Verdict: Verified, Status: polyv.StatusEnd}},
		{ID: 10002, State: Stopped, Elapsed: 1300 * time.Millisecond, Check: Check{Verdict: StillLive, Status: polyv.StatusLive}},
		{ID: 10003, State: Failed, Err: apiErr(`{"code":400,"status":"error","message":"channel not found."}`)},
	}
	var out []sample
	add := func(name, text string) { out = append(out, sample{name, text}) }
	add("help", wd.helpText("/polyv", "users U0ALICE; members of S0ONCALL"))
	add("usage", wd.usageText("/polyv-ops"))
	for _, text := range []string{"stop", "status", "stop abc", "status abc", "stop <@U0BOSS>", "launch 10001", "10001", "stop 1O001", "stop 010001", "stop 2147483648",
		"stop " + ids(1, 21), "status 10001 -- why", "status 10001 why", "stop https://evil.example/watch/1",
		"stop 10001 https://evil.example/x", "stop https://live.polyv.cn/", "stop 10001 bad\x07", "stop 10001 " + strings.Repeat("x", 501),
		strings.Repeat("x", 4001), "stop \xff"} {
		_, err := ParseCommand(text)
		add(fmt.Sprintf("refusal of %.30q", text), wd.refusalText("/polyv", err))
	}
	add("ambiguity", wd.ambiguityText("/polyv", ambiguous))
	add("busy", wd.busyText())
	add("crashed", wd.crashedText())
	for _, d := range []struct {
		name string
		r    auth.Ruling
	}{
		{"not listed", auth.Ruling{Denial: auth.DenyUser, User: "U0ALICE"}},
		{"not listed or in the groups", auth.Ruling{Denial: auth.DenyUser, User: "U0ALICE", Groups: []auth.Group{{ID: "S0ONCALL", Handle: "oncall"}, {ID: "S0OPS"}}}},
		{"no valid member id", auth.Ruling{Denial: auth.DenyUser}},
		{"channel", auth.Ruling{Denial: auth.DenyChannel, Channels: []string{"C0OPS", "G0WAR"}}},
		{"lookup failed", auth.Ruling{Denial: auth.DenyLookup, Groups: []auth.Group{{ID: "S0ONCALL", Handle: "on<call>"}},
			Err: errors.New("usergroups.users.list S0ONCALL: missing_scope <!here>")}},
		{"lookup canceled", auth.Ruling{Denial: auth.DenyLookup, Groups: []auth.Group{{ID: "S0ONCALL"}}, Err: context.Canceled}},
	} {
		add("denied, "+d.name, wd.deniedText(d.r))
	}
	add("parent posted", wd.parentText(req, nil, false, ""))
	add("parent, dry run", wd.parentText(one, nil, true, ""))
	add("parent, ambiguous", wd.parentText(Request{User: "U0ALICE", Command: ambiguous}, nil, false, ""))
	add("parent updated", wd.parentText(req, nil, false, wd.summaryText(stopWords, results)))
	add("parent flagged", wd.parentText(req, nil, false, wd.flaggedSummary(stopWords, results)))
	add("invite hint", wd.inviteHint())
	for _, r := range append(results,
		ChannelResult{ID: 10004, State: DryRun},
		ChannelResult{ID: 10005, State: NotSent, RetryIn: 42 * time.Second},
		ChannelResult{ID: 10006, State: Elsewhere, Holder: "U0BOB", Thread: "https://t.slack.com/archives/C0OPS/p1"},
		ChannelResult{ID: 10007, State: RateLimited, Err: &polyv.LimitError{Wait: 12300 * time.Millisecond}},
		ChannelResult{ID: 10008, State: Unclear, Err: fmt.Errorf("polyv stop-pull-stream: %w", polyv.ErrAnswerCut)},
		ChannelResult{ID: 10009, State: Unclear, Err: apiErr(`{"code":400,"status":"error","message":"channel is not pulling stream."}`)}) {
		add(fmt.Sprintf("thread line, %s", stateWord(r.State)), wd.channelLine(stopWords, r, nil, 10*time.Second, "/polyv", true))
	}
	for _, c := range []Check{{Verdict: Verified, Status: polyv.StatusPlayback}, {Verdict: StillLive},
		{Verdict: Unverified, Why: Unlisted}, {Verdict: Unverified, Why: StatusUnknown, Status: "recording"},
		{Verdict: Unverified, Why: StatusUnreadable, Err: context.DeadlineExceeded}, {Verdict: Unverified, Why: ShutDown}} {
		add(fmt.Sprintf("check line, verdict %d why %d", c.Verdict, c.Why), wd.checkLine(ChannelResult{ID: 10001, State: Stopped, Check: c}, nil, 15*time.Second, 10*time.Second, "/polyv"))
		add(fmt.Sprintf("check line after an unclear answer, verdict %d why %d", c.Verdict, c.Why), wd.checkLine(ChannelResult{ID: 10001, State: Unclear, Check: c}, nil, 15*time.Second, 10*time.Second, "/polyv"))
	}
	for _, err := range []error{fmt.Errorf("polyv stop-pull-stream: %w", polyv.ErrAnswerCut), serverErr,
		apiErr(`{"code":500,"status":"fail","message":"system error"}`), apiErr(`{"code":200,"status":"error","message":"stop failed"}`),
		context.DeadlineExceeded, context.Canceled, apiErr(`{"code":400,"status":"error","message":"channel is not pulling stream."}`),
		errors.New("connection reset")} {
		add(fmt.Sprintf("unclear, verification off: %.40s", err), wd.channelLine(stopWords, ChannelResult{ID: 10001, State: Unclear, Err: err}, nil, 10*time.Second, "/polyv-ops", false))
	}
	unclear := []ChannelResult{
		{ID: 10001, State: Stopped, Check: Check{Verdict: Verified, Status: polyv.StatusEnd}},
		{ID: 10002, State: Unclear, Check: Check{Verdict: Verified, Status: polyv.StatusEnd}},
		{ID: 10003, State: Unclear, Check: Check{Verdict: StillLive, Status: polyv.StatusLive}},
		{ID: 10004, State: Unclear, Check: Check{Verdict: Unverified, Why: ShutDown}},
		{ID: 10005, State: Unclear},
	}
	add("summary with unclear answers, before verification", wd.summaryText(stopWords, append([]ChannelResult{unclear[0]}, unclear[4])))
	add("parent once unclear answers are settled", wd.parentText(req, nil, false, verdictHead(wd, stopWords, unclear[:2], "✅ 1 stopped, ❔ 1 unclear")))
	add("parent flagged, unclear answers", wd.parentText(req, nil, false, verdictHead(wd, stopWords, unclear[:4], "")))
	add("not sent", wd.notSentText([]ChannelResult{{ID: 10006, State: Elsewhere, Holder: "U0BOB"}, {ID: 10005, State: NotSent, RetryIn: time.Minute}}, nil))
	add("status budget", wd.statusBudgetText(90*time.Second))
	add("status, nothing but the live status", wd.statusText([]story{{id: 10001, read: true, listed: true, status: polyv.StatusLive},
		{id: 10002, read: true, listed: true, status: "Banpush"}, {id: 10003, read: true}}))
	add("status failed", wd.statusFailedText(errors.New("dial tcp: refused"), 10*time.Second))
	add("prompt", wd.promptText(req, nil, 2*time.Minute))
	add("prompt, ambiguous", wd.promptText(Request{Slash: "/polyv", Command: ambiguous}, nil, 2*time.Minute))
	add("prompt dialog", dialogSample(wd, stopWords.prompt, wd.channelsText(req.Command.ChannelIDs, nil))+" / "+wd.cancelButton())
	add("not yours", wd.notYoursText())
	add("expired", wd.expiredText(2*time.Minute))
	add("issued by a clock ahead", wd.clockAheadText())
	add("prompt failed, refused", wd.promptFailedText(errors.Join(errors.New("response_url: x"), slack.SlackErrorResponse{Err: "invalid_blocks"})))
	add("prompt failed, no answer", wd.promptFailedText(context.DeadlineExceeded))
	add("cancelled", wd.cancelledText())
	approved := one
	approved.ApprovedBy = "U0BOB"
	expires := time.Date(2026, 3, 1, 3, 10, 0, 0, time.UTC)
	add("approval request", wd.approvalRequestText(req, nil, expires, 10*time.Minute, false))
	add("approval request, dry run", wd.approvalRequestText(one, nil, expires, time.Hour, true))
	add("approval request, what will stop", wd.approvalRequestText(one, []story{{id: 10001, names: channelNames{10001: {Title: "Spring <!here> Launch"}},
		read: true, listed: true, status: polyv.StatusLive, counted: true, viewers: 1234}}, expires, 10*time.Minute, false))
	add("approval request failed", wd.approvalFailedText([]int64{10001}, slack.SlackErrorResponse{Err: "not_in_channel"}))
	add("approving", wd.approvingText(stopWords, approved))
	add("approved parent", wd.parentText(approved, nil, false, wd.summaryText(stopWords, results[:1])))
	add("approved thread line", wd.channelLine(stopWords, results[0], nil, 10*time.Second, "/polyv", false)+wd.approvalTag(approved))
	add("thread line, held for approval", wd.channelLine(stopWords, ChannelResult{ID: 10001, State: HeldForApproval}, nil, 10*time.Second, "/polyv", true))
	add("thread line, already not live", wd.channelLine(stopWords, ChannelResult{ID: 10001, State: AlreadyNotLive, Check: Check{Status: polyv.StatusEnd}}, nil, 10*time.Second, "/polyv", true))
	add("summary with approvals", wd.summaryText(stopWords, []ChannelResult{{State: Stopped}, {State: HeldForApproval}, {State: AlreadyNotLive}}))
	add("self-approval", wd.selfApprovalText())
	add("Cancel by another", wd.notYourRequestText("U0ALICE"))
	add("approval cancelled", wd.approvalCancelledText(stopWords, one))
	add("approval expired", wd.approvalExpiredText(stopWords, one, 10*time.Minute))
	add("already approved", wd.endedText(ending{how: Allowed, by: "U0BOB"}, 10*time.Minute))
	add("already cancelled", wd.endedText(ending{how: ApprovalCancelled, by: "U0ALICE"}, 10*time.Minute))
	add("already expired", wd.endedText(ending{how: Expired}, 10*time.Minute))
	add("approval altered", wd.approvalAlteredText())
	add("approval from a clock ahead", wd.approvalClockAheadText())
	add("audit: approval requested", wd.approvalRequestedLine(one, "https://t.slack.com/archives/C0OPS/p2", nil))
	add("audit: approval requested, named", wd.approvalRequestedLine(one, "https://t.slack.com/archives/C0OPS/p2", channelNames{10001: {Title: "Spring Launch"}}))
	add("audit: approval cancelled", wd.approvalCancelledLine(stopWords, one))
	add("audit: approval expired", wd.approvalExpiredLine(stopWords, one, 10*time.Minute))
	add("audit: approved outcome", wd.outcomeLine(Record{Request: approved, Channels: results[:1]}, "https://t.slack.com/archives/C0OPS/p2", nil))
	add("confirmed", wd.confirmedText(stopWords, req.Command.ChannelIDs, nil))
	for _, err := range []error{apiErr(`{"code":403,"status":"error","message":"invalid signature."}`), apiErr(`{"code":400,"status":"error","message":"invalid timestamp."}`),
		apiErr(`{"code":400,"status":"error","message":"application not found."}`), apiErr(`{"code":429,"status":"error","message":"qps exceeds number of calls"}`),
		apiErr(`{"code":500,"status":"fail","message":"system error"}`), apiErr(`{"code":200,"status":"error","message":"stop failed"}`),
		apiErr(`{"code":400,"status":"error","message":"<b>odd</b> & new"}`), context.DeadlineExceeded, context.Canceled, errors.New("connection reset")} {
		add(fmt.Sprintf("explain stop: %.40s", err), wd.explainPolyv(err, 10*time.Second, true))
		add(fmt.Sprintf("explain status: %.40s", err), wd.explainPolyv(err, 10*time.Second, false))
	}
	for _, r := range []struct {
		status   int
		location string
	}{{302, "https://elsewhere.example/live/v3/channel/stream/stop-pull-stream?sign=x"}, {307, ""}, {301, "https://<!here>.example/"}} {
		add(fmt.Sprintf("thread line, redirect %d %.30q", r.status, r.location),
			wd.channelLine(stopWords, ChannelResult{ID: 10001, State: Failed, Err: redirectErr(r.status, r.location)}, nil, 10*time.Second, "/polyv", true))
	}
	done := Record{Request: req, Decision: Allowed, Channels: results, Thread: "https://t.slack.com/archives/C0OPS/p1"}
	add("audit start", wd.startLine(req, done.Thread, nil))
	add("audit outcome", wd.outcomeLine(done, done.Thread, nil))
	for _, rec := range []Record{
		done,
		{Request: one, Decision: Denied, Denial: auth.DenyUser},
		{Request: one, Decision: Denied, Denial: auth.DenyChannel},
		{Request: one, Decision: Denied, Denial: auth.DenyLookup},
		{Request: one, Decision: OverBudget},
		{Request: one, Decision: InProgress},
		{Request: one, Decision: Confirming},
		{Request: one, Decision: PromptFailed, PromptErr: slack.SlackErrorResponse{Err: "invalid_blocks"}},
		{Request: click, Decision: Cancelled, ForRequest: one.ID},
		{Request: click, Decision: Expired},
		{Request: click, Decision: NotYours},
		{Request: click, Decision: Used},
		{Request: click, Decision: Altered},
		{Request: Request{User: "U0ALICE", Channel: "C0OPS", Command: Command{Verb: VerbStatus, ChannelIDs: []int64{10001}}}, Decision: Allowed},
		{Request: Request{User: "U0ALICE", Channel: "C0OPS", Text: "stop x <!channel>"}, Decision: Invalid, Problem: &UsageError{Problem: NotDigits, Arg: "x"}},
		{Request: Request{User: "U0ALICE", Channel: "C0OPS", Command: Command{Verb: VerbHelp}}, Decision: Helped},
		{Request: one, Decision: Busy},
		{Request: one, Decision: Crashed},
	} {
		add(fmt.Sprintf("audit line, %s %s", decisionWord(rec), outcomeWord(rec)), wd.auditLine(rec)+"\n"+wd.auditSentence(rec, false))
	}
	out = append(out, banSamples(wd, apiErr)...)
	return append(out, namedSamples(wd, req)...)
}

// banSamples are the words of ban and resume, and of the cut-off a stop
// offers.
func banSamples(wd words, apiErr func(string) error) []sample {
	var out []sample
	add := func(name, text string) { out = append(out, sample{name, text}) }
	ban := Request{ID: "env-4", User: "U0ALICE", Channel: "C0OPS", Slash: "/polyv-ops",
		Command: Command{Verb: VerbBan, ChannelIDs: []int64{10001, 10002}, Reason: "host keeps pushing", ReasonMarked: true}}
	resume := Request{ID: "env-5", User: "U0ALICE", Channel: "C0OPS", Slash: "/polyv", Command: Command{Verb: VerbResume, ChannelIDs: []int64{10001}}}
	for _, text := range []string{"ban", "resume abc", "ban 10001 bad\x07"} {
		_, err := ParseCommand(text)
		add(fmt.Sprintf("refusal of %q", text), wd.refusalText("/polyv", err))
	}
	ambiguous, _ := ParseCommand("ban 10001 2 viewers reported it")
	add("ambiguity, ban", wd.ambiguityText("/polyv", ambiguous))
	add("unavailable without POLYV_USER_ID", wd.cutoffUnavailableText())
	done := []ChannelResult{{ID: 10001, State: Stopped, Elapsed: 212 * time.Millisecond}, {ID: 10002, State: Failed, Err: apiErr(`{"code":403,"status":"error","message":"illegal userId."}`)}}
	for _, r := range []struct {
		name string
		req  Request
		w    actionWords
	}{{"ban", ban, banWords}, {"resume", resume, resumeWords}} {
		add("parent posted, "+r.name, wd.parentText(r.req, nil, false, ""))
		add("parent updated, "+r.name, wd.parentText(r.req, nil, false, wd.summaryText(r.w, done)))
		add("thread line, "+r.name, wd.channelLine(r.w, done[0], nil, 10*time.Second, r.req.Slash, true))
		add("thread line, dry run, "+r.name, wd.channelLine(r.w, ChannelResult{ID: 10001, State: DryRun}, nil, 10*time.Second, r.req.Slash, true))
		add("thread line, refused, "+r.name, wd.channelLine(r.w, done[1], nil, 10*time.Second, r.req.Slash, true))
		add("prompt, "+r.name, wd.promptText(r.req, nil, 2*time.Minute))
		add("prompt dialog, "+r.name, dialogSample(wd, r.w.prompt, wd.channelsText([]int64{10001}, nil)))
		add("confirmed, "+r.name, wd.confirmedText(r.w, r.req.Command.ChannelIDs, nil))
		rec := Record{Request: r.req, Decision: Allowed, Channels: done, Thread: "https://t.slack.com/archives/C0OPS/p4"}
		add("audit start, "+r.name, wd.startLine(r.req, rec.Thread, nil))
		add("audit outcome, "+r.name, wd.outcomeLine(rec, rec.Thread, nil))
		rec.Decision = Unconfigured
		add(fmt.Sprintf("audit line, %s, %s %s", r.name, decisionWord(rec), outcomeWord(rec)), wd.auditLine(rec)+"\n"+wd.auditSentence(rec, false))
	}
	for _, c := range []Check{{Verdict: Verified, Status: polyv.StatusBanpush}, {Verdict: StillLive}, {Verdict: Unverified, Why: Unlisted},
		{Verdict: Unverified, Why: StatusUnknown, Status: "recording"}, {Verdict: Unverified, Why: StatusUnreadable, Err: context.DeadlineExceeded},
		{Verdict: Unverified, Why: ShutDown}} {
		add(fmt.Sprintf("ban check line, verdict %d why %d", c.Verdict, c.Why), wd.cutoffCheckLine(ChannelResult{ID: 10001, State: Stopped, Check: c}, nil, 15*time.Second, 10*time.Second, "/polyv"))
	}
	for _, err := range []error{apiErr(`{"code":403,"status":"error","message":"illegal userId."}`), fmt.Errorf("cutoff: %w", polyv.ErrNoUserID)} {
		add(fmt.Sprintf("explain ban: %.40s", err), wd.explainPolyv(err, 10*time.Second, true))
	}
	for _, o := range []struct {
		name              string
		ids               []int64
		cause             offerCause
		available, button bool
	}{
		{"still live, button", []int64{10002}, stillLive, true, true},
		{"still live, no thread", []int64{10002, 10003}, stillLive, true, false},
		{"not pulling, button", []int64{10001}, notPulling, true, true},
		{"not pulling, without POLYV_USER_ID", []int64{10001, 10002}, notPulling, false, false},
	} {
		add("cut-off offer, "+o.name, wd.cutoffOfferText("/polyv-ops", o.ids, nil, o.cause, o.available, o.button))
	}
	add("cut-off button", dialogSample(wd, cutoffButtonWords(), wd.channelsText([]int64{10002}, nil)))
	add("cut-off not yours", wd.offerNotYoursText())
	add("cut-off expired", wd.offerExpiredText(CutoffOfferTTL))
	add("cut-off taken", wd.offerTakenText("U0ALICE"))
	add("cut-off used", wd.offerUsedText())
	add("cut-off altered", wd.offerAlteredText())
	return out
}

// dialogSample renders a confirm dialog's words: title / body / yes / no.
func dialogSample(wd words, w promptWords, what string) string {
	return wd.f(w.title) + " / " + w.body(wd, what) + " / " + wd.f(w.button) + " / " + wd.f(w.keep)
}

// namedSamples are the messages that name channels, with names as Polyv
// may have them: plain, hostile (mentions, markup, backticks, line
// breaks), very long, none given, and a channel Polyv does not know.
func namedSamples(wd words, req Request) []sample {
	names := channelNames{
		10001: {Title: "Spring Launch", Publisher: "Alice Zhang"},
		10002: {Title: "<!channel> pwn `rm -rf` *bold*\nsecond «line»", Publisher: "<@U0ADMIN> & co"},
		10003: {NotFound: true},
		10004: {Title: strings.Repeat("春季发布会", 40), Publisher: ""},
	}
	results := []ChannelResult{
		{ID: 10001, State: Stopped, Elapsed: 212 * time.Millisecond, Check: Check{Verdict: Verified, Status: polyv.StatusEnd}},
		{ID: 10002, State: Stopped, Elapsed: 1300 * time.Millisecond, Check: Check{Verdict: StillLive, Status: polyv.StatusLive}},
		{ID: 10003, State: Failed, Err: fmt.Errorf("polyv stop-pull-stream: %w", polyv.ErrChannelNotFound)},
	}
	one := req
	one.Command.ChannelIDs = []int64{10001}
	var out []sample
	add := func(name, text string) { out = append(out, sample{name, text}) }
	add("named: parent posted, one channel", wd.parentText(one, names, false, ""))
	add("named: parent posted", wd.parentText(req, names, false, ""))
	add("named: parent updated", wd.parentText(req, names, false, wd.summaryText(stopWords, results)))
	for _, r := range append(results, ChannelResult{ID: 10004, State: Elsewhere, Holder: "U0BOB"}) {
		add(fmt.Sprintf("named: thread line %d, %s", r.ID, stateWord(r.State)), wd.channelLine(stopWords, r, names, 10*time.Second, "/polyv", true))
	}
	add("named: check line, verified", wd.checkLine(results[0], names, 15*time.Second, 10*time.Second, "/polyv"))
	add("named: check line, still live", wd.checkLine(results[1], names, 15*time.Second, 10*time.Second, "/polyv"))
	add("named: check line after an unclear answer", wd.checkLine(ChannelResult{ID: 10002, State: Unclear,
		Check: Check{Verdict: Unverified, Why: StatusUnreadable, Err: context.DeadlineExceeded}}, names, 15*time.Second, 10*time.Second, "/polyv"))
	add("named: not sent", wd.notSentText([]ChannelResult{{ID: 10002, State: Elsewhere, Holder: "U0BOB"}}, names))
	add("named: status, the whole story", wd.statusText([]story{
		{id: 10001, names: names, read: true, listed: true, status: polyv.StatusLive, counted: true, viewers: 1234, streamed: true, stream: polyv.StreamClient},
		{id: 10002, names: names, read: true, listed: true, status: polyv.StatusEnd, counted: true, viewers: 1234567, streamed: true, stream: polyv.StreamPull},
		{id: 10003, names: names, read: true, streamed: false, notFound: true},
		{id: 10004, names: names, read: true, listed: true, status: polyv.StatusWaiting, counted: true, streamed: true, stream: polyv.StreamDisk},
		{id: 10005, names: names, read: true, listed: true, status: "<!here>"},
		{id: 10006, names: names, read: true},
		{id: 10007, names: names, read: true, listed: true, status: polyv.StatusLive, streamed: true, stream: "<b>odd</b>"},
		{id: 10008, names: names, read: true, listed: true, status: polyv.StatusLive, streamed: true, stream: polyv.StreamAudio},
	}))
	add("named: prompt, what will stop", wd.promptText(req, []story{
		{id: 10001, names: names, read: true, listed: true, status: polyv.StatusLive, counted: true, viewers: 1234},
		{id: 10002, names: names, read: true, listed: true, status: polyv.StatusUnstart},
		{id: 10003, names: names, read: true},
	}, 2*time.Minute))
	add("named: prompt, the live status late", wd.promptText(one, []story{{id: 10001, names: names, counted: true, viewers: 3}}, 2*time.Minute))
	add("named: prompt, Polyv told nothing in time", wd.promptText(one, []story{{id: 10001, names: names}}, 2*time.Minute))
	add("named: confirmed", wd.confirmedText(stopWords, req.Command.ChannelIDs, names))
	done := Record{Request: req, Decision: Allowed, Channels: results, Thread: "https://t.slack.com/archives/C0OPS/p1", names: names}
	add("named: audit start", wd.startLine(req, done.Thread, names))
	add("named: audit outcome", wd.outcomeLine(done, done.Thread, names))
	denied := Record{Request: req, Decision: Denied, Denial: auth.DenyUser, names: names}
	add("named: audit line, denied", wd.auditLine(denied)+"\n"+wd.auditSentence(denied, false))
	return out
}

func TestHumanDuration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		d    time.Duration
		want string
	}{
		{0, "under 1ms"},
		{400 * time.Microsecond, "under 1ms"},
		{time.Millisecond, "1ms"},
		{1499 * time.Microsecond, "1ms"},
		{212 * time.Millisecond, "212ms"},
		{999 * time.Millisecond, "999ms"},
		{time.Second, "1 second"},
		{1001 * time.Millisecond, "1.1 seconds"},
		{1300 * time.Millisecond, "1.3 seconds"},
		{9950 * time.Millisecond, "10 seconds"},
		{10 * time.Second, "10 seconds"},
		{10*time.Second + time.Nanosecond, "11 seconds"},
		{59 * time.Second, "59 seconds"},
		{time.Minute, "1 minute"},
		{time.Minute + time.Millisecond, "1 minute 1 second"},
		{90 * time.Second, "1 minute 30 seconds"},
		{2 * time.Minute, "2 minutes"},
	}
	for _, tc := range cases {
		t.Run(tc.d.String(), func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, english.humanDuration(tc.d))
		})
	}
}
