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
	N          int           // commands
	Users      int           // distinct requesters, round robin
	Interval   time.Duration // between sends; 0 sends back to back
	Sequential bool          // wait for each outcome before the next send
}

// scenarios are the three runs the issue asks for, in order.
var scenarios = []scenario{
	{Name: "sequential 200", N: 200, Users: 1, Sequential: true},
	{Name: "1000 at 200/s, 50 users", N: 1000, Users: 50, Interval: 5 * time.Millisecond},
	{Name: "1000 at once", N: 1000, Users: 50},
}

// sent is one command the driver delivered.
type sent struct {
	envelope    string
	responseURL string // where a private refusal (per-user limit, …) would go
	id          int64  // the Polyv channel id; unique per command so outcomes can be matched
}

// outcome is what happened to the commands of one run, read from the fake.
type outcome struct {
	ack, e2e, own []time.Duration
	refused, lost int
}

// driver delivers commands through the fake Slack and reads their outcomes.
type driver struct {
	slack    *slacktest.Server
	nextID   int64
	fakeTime time.Duration   // the fakes' share of one command, from calibrate
	settle   time.Duration   // how long to wait for the last outcomes
	refused0 int             // refusals acked before this run, so finished counts only this run's
	urls     map[string]bool // response_urls of this run's commands
	// perCommand is the Web API calls one finished command makes; the
	// sequential run waits for them before sending the next command.
	perCommand map[string]int
}

// drive runs sc in Slack channel ch and returns each command sent.
func (d *driver) drive(ctx context.Context, sc scenario, ch string) ([]sent, error) {
	d.refused0 = refusals(d.slack)
	d.urls = map[string]bool{}
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
		d.urls[responseURL] = true
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

// await polls until every command in ch has an outcome, or until nothing has
// changed for d.settle. It polls slowly: reading the fake copies every
// message, and this process shares the CPUs with the bot being measured.
func (d *driver) await(ctx context.Context, ch string, n int) {
	last, since := -1, time.Now()
	for {
		got := d.finished(d.slack, ch)
		if got >= n || time.Since(since) > d.settle {
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

// finished counts commands in ch with a final word: a thread reply naming a
// Polyv channel, or a refusal in the ack.
func (d *driver) finished(s *slacktest.Server, ch string) int {
	return len(firstReplies(s.Messages(), ch)) + refusals(s) - d.refused0 + d.privatelyRefused(s.ResponsePosts())
}

// privatelyRefused counts this run's commands answered only privately
// through their response_url: refused after the ack, e.g. by the per-user
// limit.
func (d *driver) privatelyRefused(posts []slacktest.ResponsePost) int {
	seen := map[string]bool{}
	for _, p := range posts {
		if d.urls[p.URL] {
			seen[p.URL] = true
		}
	}
	return len(seen)
}

// refusals counts acks that carried a text: the bot said no at once.
func refusals(s *slacktest.Server) int {
	n := 0
	for _, a := range s.Acks() {
		if text, _ := a.Text(); text != "" {
			n++
		}
	}
	return n
}

// collect matches what the fake recorded to the commands sent.
func (d *driver) collect(ch string, cmds []sent) outcome {
	acks := map[string]slacktest.Ack{}
	for _, a := range d.slack.Acks() {
		acks[a.EnvelopeID] = a
	}
	replies := firstReplies(d.slack.Messages(), ch)
	private := map[string]bool{}
	for _, p := range d.slack.ResponsePosts() {
		private[p.URL] = true
	}
	var o outcome
	for _, c := range cmds {
		a, acked := acks[c.envelope]
		if acked {
			o.ack = append(o.ack, a.At.Sub(a.SentAt))
		}
		at, ok := replies[c.id]
		if text, _ := a.Text(); (acked && text != "") || (!ok && private[c.responseURL]) {
			o.refused++
			continue
		}
		if !acked || !ok {
			o.lost++
			continue
		}
		e2e := at.Sub(a.SentAt)
		o.e2e = append(o.e2e, e2e)
		o.own = append(o.own, max(e2e-d.fakeTime, 0))
	}
	return o
}

// firstReplies maps each Polyv channel id to the time of the first thread
// reply in ch naming it.
func firstReplies(msgs []slacktest.Message, ch string) map[int64]time.Time {
	out := map[int64]time.Time{}
	for _, m := range msgs {
		if m.ThreadTS == "" || m.Channel != ch {
			continue
		}
		id, ok := replyID(m.Text)
		if !ok {
			continue
		}
		if at, seen := out[id]; !seen || m.At.Before(at) {
			out[id] = m.At
		}
	}
	return out
}

var replyIDPattern = regexp.MustCompile(`Polyv channel (\d{1,18}):`)

// replyID finds the Polyv channel id an outcome line names ("… Polyv channel
// 10001: stopped …").
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
