package slackclient

import (
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"
)

// ConnectFailure is how the Socket Mode connection is failing to come up:
// its latest failed attempt, and when the next one goes.
type ConnectFailure struct {
	Err      string    // what went wrong; never a token
	At       time.Time // when that attempt failed
	Next     time.Time // when the next attempt goes; zero until it is planned
	Attempts int       // attempts failed since the connection was last up
	Since    time.Time // when the first of them failed
	AsOf     time.Time // when this was read, by the socket's clock
}

// String says it in the words /readyz uses, relative to when it was read:
// "last attempt failed 12s ago: dial tcp 127.0.0.1:9: connect: connection
// refused; next attempt in 8s".
func (f ConnectFailure) String() string {
	s := fmt.Sprintf("last attempt failed %s ago: %s", roughly(f.AsOf.Sub(f.At)), f.Err)
	switch {
	case f.Next.Before(f.At):
		// not planned yet: the attempt after a failure is planned at once
	case f.Next.After(f.AsOf):
		s += "; next attempt in " + roughly(f.Next.Sub(f.AsOf))
	default:
		s += "; next attempt under way"
	}
	return s
}

// LastConnectFailure returns the latest failed attempt to connect since the
// connection was last up, and false while there is none (the connection is
// up, or no attempt has failed yet). It is what /readyz shows when the bot
// is not ready.
func (s *Socket) LastConnectFailure() (ConnectFailure, bool) {
	return s.gate.lastFailure()
}

// reportEvery bounds the log of an outage: its first failed attempt is
// logged at once, then at most one line per reportEvery says how many
// attempts failed since the previous line.
const reportEvery = time.Minute

// outage is the gate's record of the attempts that failed since the
// connection was last up; the gate's mutex guards it.
type outage struct {
	failed     int
	since, at  time.Time
	err        string
	next       time.Time
	reportedAt time.Time // the last warning logged; zero: none yet
	unreported int       // failures since that warning
}

// fail records a failed attempt.
func (o *outage) fail(err string, now time.Time) {
	if o.failed == 0 {
		o.since = now
	}
	o.failed++
	o.unreported++
	o.err, o.at = err, now
}

// plan records when the next attempt goes and returns the warning to log
// now, if one is due.
func (o *outage) plan(now time.Time, wait time.Duration) func(*slog.Logger) {
	o.next = now.Add(wait)
	if o.unreported == 0 || (!o.reportedAt.IsZero() && now.Sub(o.reportedAt) < reportEvery) {
		return nil
	}
	failed, err, down := o.unreported, o.err, now.Sub(o.since)
	o.reportedAt, o.unreported = now, 0
	return func(log *slog.Logger) {
		log.Warn("cannot connect to Slack", "err", err, "next_attempt_in", roughly(wait),
			"failed_attempts", failed, "down_for", roughly(down))
	}
}

// recover ends the outage and returns the line that says so, if there
// was one.
func (o *outage) recover(now time.Time) func(*slog.Logger) {
	if o.failed == 0 {
		return nil
	}
	failed, down := o.failed, now.Sub(o.since)
	*o = outage{}
	return func(log *slog.Logger) {
		log.Info("connected to Slack again", "down_for", roughly(down), "failed_attempts", failed)
	}
}

func (o *outage) failure(now time.Time) (ConnectFailure, bool) {
	if o.failed == 0 {
		return ConnectFailure{}, false
	}
	return ConnectFailure{Err: o.err, At: o.at, Next: o.next, Attempts: o.failed, Since: o.since, AsOf: now}, true
}

// roughly rounds d for people: to the second, or to 10 ms below a second.
func roughly(d time.Duration) string {
	if d < time.Second {
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// slackToken matches Slack's tokens: xoxb-, xoxp-, xoxe.xoxp-, xapp- and
// the like.
var slackToken = regexp.MustCompile(`x(?:app|ox[a-z](?:\.xox[a-z])?)-[0-9A-Za-z._-]*`)

// tokenRedactor returns a function that takes every token out of a text
// bound for the log or /readyz: the client's own, whatever their shape,
// and anything shaped like a Slack token. slack-go's errors can quote a
// request, and a proxy's can quote more.
func tokenRedactor(tokens ...string) func(string) string {
	var pairs []string
	for _, t := range tokens {
		if t != "" {
			pairs = append(pairs, t, "[redacted]")
		}
	}
	known := strings.NewReplacer(pairs...)
	return func(s string) string {
		return slackToken.ReplaceAllString(known.Replace(s), "[redacted]")
	}
}
