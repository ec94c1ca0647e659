package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

func TestZZHops(t *testing.T) {
	if os.Getenv("HOPS") == "" {
		t.Skip()
	}
	root, _ := moduleRoot(context.Background())
	dir := t.TempDir()
	quiet := ours(false, "")
	quiet.name = "ours-loglevel-error"
	quiet.extra = append(quiet.extra, "LOG_LEVEL=error")
	specs := []botSpec{ours(false, ""), baselineBot(), quiet}
	bins := map[string]string{}
	for _, spec := range specs {
		bin, _, err := build(context.Background(), dir, root, spec.name, spec.pkg)
		if err != nil {
			t.Fatal(err)
		}
		bins[spec.name] = bin
	}
	for round := 0; round < 3; round++ {
		for _, spec := range specs {
			s := slacktest.NewServer()
			p := polyvtest.NewServer(fakeAppID, fakeAppSecret)
			var rep botReport
			proc, err := launch(context.Background(), dir, spec, bins[spec.name], s, p, &rep)
			if err != nil {
				t.Fatal(err)
			}
			d := &driver{slack: s, nextID: 100000, settle: outcomeWait, perCommand: spec.calls}
			cmds, err := d.drive(context.Background(), scenario{Name: "seq", N: 300, Users: 50, Sequential: true}, "C0HOP")
			if err != nil {
				t.Fatal(err)
			}
			acks := map[string]slacktest.Ack{}
			for _, a := range s.Acks() {
				acks[a.EnvelopeID] = a
			}
			var posts []time.Time
			for _, r := range s.Requests() {
				if strings.HasSuffix(r.Path, "chat.postMessage") && strings.Contains(string(r.Body), "C0HOP") {
					posts = append(posts, r.At)
				}
			}
			var stops []time.Time
			for _, c := range p.Calls() {
				stops = append(stops, c.At)
			}
			var h0, h1, h2, h3, e []time.Duration
			for i, c := range cmds {
				a := acks[c.envelope]
				h0 = append(h0, a.At.Sub(a.SentAt))
				h1 = append(h1, posts[2*i].Sub(a.SentAt))
				h2 = append(h2, stops[i].Sub(posts[2*i]))
				h3 = append(h3, posts[2*i+1].Sub(stops[i]))
				e = append(e, posts[2*i+1].Sub(a.SentAt))
			}
			t.Logf("%-20s ack %4dµs | env→parent %4dµs | parent→stop %4dµs | stop→reply %4dµs | env→reply %4dµs", spec.name,
				summarize(h0).P50.Microseconds(), summarize(h1).P50.Microseconds(), summarize(h2).P50.Microseconds(), summarize(h3).P50.Microseconds(), summarize(e).P50.Microseconds())
			_ = proc.stop(10 * time.Second)
			s.Close()
			p.Close()
		}
	}
}
