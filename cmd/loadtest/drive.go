package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/polyvbot/polyvbot/bot/slacktest"
)

// scenario is one load pattern.
type scenario struct {
	Name       string
	Short      string        // its name in the tables, explained in their legend
	N          int           // commands
	Users      int           // distinct requesters, round robin
	Interval   time.Duration // between sends; 0 sends back to back
	Sequential bool          // wait for each outcome before the next send
}

// scenarios are the three runs the issue asks for, in order.
var scenarios = []scenario{
	{Name: "sequential 200", Short: "seq 200", N: 200, Users: 1, Sequential: true},
	{Name: "1000 at 200/s, 50 users", Short: "paced 1000", N: 1000, Users: 50, Interval: 5 * time.Millisecond},
	{Name: "1000 at once", Short: "burst 1000", N: 1000, Users: 50},
}

// sent is one command the driver delivered.
type sent struct {
	envelope    string
	responseURL string // where a private refusal (per-user limit, …) would go
	id          int64  // the Polyv channel id; unique per command so outcomes can be matched
}

// outcome is what happened to the commands of one run, read from the fake.
type outcome struct {
	ack, e2e, own, done []time.Duration
	refused, lost       int
	accepted            []int64 // the Polyv channels of the commands not refused
	// span is the run's total completion time: the first envelope written
	// to the last expected line of any of its commands.
	span time.Duration
}

// driver delivers commands through the fake Slack and reads their outcomes.
type driver struct {
	slack    *slacktest.Server
	nextID   int64
	fakeTime time.Duration // the fakes' share of one command, from calibrate
	settle   time.Duration // how long to wait for the last outcomes
	verify   bool          // the bot posts a verification line after each ✅
	// perCommand is the Web API calls one finished command makes; the
	// sequential run waits for them before sending the next command.
	perCommand map[string]int
}

// drive runs sc in Slack channel ch and returns each command sent.
func (d *driver) drive(ctx context.Context, sc scenario, ch string) ([]sent, error) {
	calls0 := d.calls()
	out := make([]sent, 0, sc.N)
	start := time.Now()
	for i := range sc.N {
		if sc.Interval > 0 {
			if !sleepUntil(ctx, start.Add(time.Duration(i)*sc.Interval)) {
				return out, ctx.Err()
			}
		}
		d.nextID++
		id := d.nextID
		private0 := d.slack.Calls("response_url")
		env, responseURL, err := d.slack.SendSlashCommand(ctx, slacktest.SlashCommand{
			Text: fmt.Sprintf("stop %d load test", id), UserID: fmt.Sprintf("U0LOAD%02d", i%sc.Users), ChannelID: ch,
		})
		if err != nil {
			return out, fmt.Errorf("send command %d of %s: %w", i+1, sc.Name, err)
		}
		out = append(out, sent{envelope: env, responseURL: responseURL, id: id})
		if sc.Sequential {
			if err := d.awaitOne(ctx, env, calls0, len(out), private0); err != nil {
				return out, fmt.Errorf("command %d of %s: %w", i+1, sc.Name, err)
			}
		}
	}
	return out, nil
}

// awaitOne waits for one command to finish: a refusal in its ack or through
// a response_url (more posts there than private0), or every Web API call a
// command makes (d.perCommand) made n times since calls0. It
// only counts, because the fake runs the predicate on every request it
// records, on the CPUs the bot under test needs.
func (d *driver) awaitOne(ctx context.Context, env string, calls0 map[string]int, n, private0 int) error {
	wctx, cancel := context.WithTimeout(ctx, d.settle)
	defer cancel()
	ack, err := d.slack.WaitAck(wctx, env)
	if err != nil {
		return fmt.Errorf("no ack within %s: %w", d.settle, err)
	}
	if text, _ := ack.Text(); text != "" {
		return nil
	}
	err = d.slack.WaitFor(wctx, func(s *slacktest.Server) bool {
		if s.Calls("response_url") > private0 {
			return true // refused privately
		}
		for method, per := range d.perCommand {
			if s.Calls(method) < calls0[method]+per*n {
				return false
			}
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("not finished within %s: %w", d.settle, err)
	}
	return nil
}

// calls counts the Web API calls a command makes so far.
func (d *driver) calls() map[string]int {
	out := map[string]int{}
	for method := range d.perCommand {
		out[method] = d.slack.Calls(method)
	}
	return out
}

// await polls until every command of the run is complete (with
// verification, its 🔎 or ⚠️ line is in too), or until nothing has changed
// for d.settle. It polls slowly: reading the fake copies every message, and
// this process shares the CPUs with the bot being measured.
func (d *driver) await(ctx context.Context, ch string, cmds []sent) {
	last, since := -1, time.Now()
	for {
		got := d.completed(ch, cmds)
		if got >= len(cmds) || time.Since(since) > d.settle {
			return
		}
		if got != last {
			last, since = got, time.Now()
		}
		if !sleepUntil(ctx, time.Now().Add(200*time.Millisecond)) {
			return
		}
	}
}

// completed counts the commands with every line they are due.
func (d *driver) completed(ch string, cmds []sent) int {
	n := 0
	for _, r := range d.results(ch, cmds) {
		if r.Complete || r.Refused {
			n++
		}
	}
	return n
}

// collect matches what the fake recorded to the commands sent.
func (d *driver) collect(ch string, cmds []sent) outcome {
	var o outcome
	var first, last time.Time
	for i, r := range d.results(ch, cmds) {
		if !r.Refused {
			o.accepted = append(o.accepted, cmds[i].id)
		}
		if r.Acked {
			o.ack = append(o.ack, r.Ack)
			if first.IsZero() || r.SentAt.Before(first) {
				first = r.SentAt
			}
		}
		switch {
		case r.Refused:
			o.refused++
			continue
		case r.Lost:
			o.lost++
		}
		if r.HasE2E {
			o.e2e = append(o.e2e, r.E2E)
			o.own = append(o.own, max(r.E2E-d.fakeTime, 0))
		}
		if r.Complete {
			o.done = append(o.done, r.Done)
			if r.DoneAt.After(last) {
				last = r.DoneAt
			}
		}
	}
	if !first.IsZero() && last.After(first) {
		o.span = last.Sub(first)
	}
	return o
}

// results classifies each command of the run from what the fake recorded.
func (d *driver) results(ch string, cmds []sent) []cmdResult {
	acks, private := ackIndex(d.slack.Acks()), firstPosts(d.slack.ResponsePosts())
	traces := traceReplies(d.slack.Messages(), ch)
	out := make([]cmdResult, len(cmds))
	for i, c := range cmds {
		a, acked := acks[c.envelope]
		out[i] = classify(evidence{kind: kindStop, ids: []int64{c.id}, ack: a, acked: acked,
			private: private[c.responseURL], traces: traces}, d.verify)
	}
	return out
}

// ackIndex maps each envelope to its first ack.
func ackIndex(acks []slacktest.Ack) map[string]ackInfo {
	out := make(map[string]ackInfo, len(acks))
	for _, a := range acks {
		if _, dup := out[a.EnvelopeID]; !dup {
			text, _ := a.Text()
			out[a.EnvelopeID] = ackInfo{SentAt: a.SentAt, At: a.At, Text: text}
		}
	}
	return out
}

// firstPosts maps each response_url to the time of its first post.
func firstPosts(posts []slacktest.ResponsePost) map[string]time.Time {
	out := map[string]time.Time{}
	for _, p := range posts {
		if _, seen := out[p.URL]; !seen {
			out[p.URL] = p.At
		}
	}
	return out
}

// traceReplies follows the thread replies in ch by the Polyv channel they
// name.
func traceReplies(msgs []slacktest.Message, ch string) map[int64]channelTrace {
	out := map[int64]channelTrace{}
	for _, m := range msgs {
		if m.ThreadTS == "" || m.Channel != ch {
			continue
		}
		id, ok := replyID(m.Text)
		if !ok {
			continue
		}
		t := out[id]
		t.observe(m.Text, m.At)
		out[id] = t
	}
	return out
}

// replyIDPattern: the bot names a channel by its number and, when it knows
// it, its name in «», which never holds a » (the bot shows one as ›).
var replyIDPattern = regexp.MustCompile(`Polyv channel (\d{1,18})(?: «[^»\n]*»)?:`)

// replyID finds the Polyv channel id an outcome line names ("… Polyv channel
// 10001: stopped …", "… Polyv channel 10001 «Spring Launch»: stopped …").
func replyID(text string) (int64, bool) {
	m := replyIDPattern.FindStringSubmatch(text)
	if m == nil {
		return 0, false
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	return id, err == nil
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
