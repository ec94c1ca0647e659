package bot_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// Load: 500 stops for distinct channels from 50 users within one second,
// with the production worker pool and queue. User buckets are set so they
// never refuse (10 commands per user); the global Polyv bucket is 100/s with
// a burst of 50, so commands wait for it. The bounds are generous: this
// checks correctness under load, not speed.
const (
	loadCommands = 500
	loadUsers    = 50
	loadRate     = 100.0 // global Polyv calls per second
	loadBurst    = 50
)

func TestLoad500CommandsFrom50Users(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	users := make([]string, loadUsers)
	for i := range users {
		users[i] = fmt.Sprintf("U0LOAD%02d", i)
	}
	h := newHarness(t, harnessOpts{
		rules:      auth.Rules{Users: users},
		userPerMin: 600, userBurst: 20,
		globalPerMin: loadRate * 60, globalBurst: loadBurst,
		polyvTimeout: 10 * time.Second,
		cfg:          func(c *bot.Config) { c.VerifyStop = false },
	})
	peak := sampleHeap(t)
	envs := sendLoad(t, h, users)
	acks := waitAcks(t, h, envs)
	outcomes := waitOutcomes(t, h, acks)
	require.NoError(t, h.stopBot())
	t.Logf("outcomes: %v; peak heap %.1f MiB", outcomes, float64(peak())/(1<<20))
	require.Less(t, peak(), uint64(512<<20), "heap stays bounded")
	checkBucket(t, h.polyv.Calls())
	for id := int64(10001); id < 10001+loadCommands; id++ {
		require.LessOrEqual(t, h.polyv.StopCalls(id), 1, "channel %d", id)
	}
}

// sendLoad delivers the commands from 10 senders within about a second.
func sendLoad(t *testing.T, h *harness, users []string) map[int64]string {
	envs := make(map[int64]string, loadCommands)
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for s := range 10 {
		wg.Go(func() {
			// 10 senders × ~50 each, one every 15 ms: about a second.
			pace := time.NewTicker(15 * time.Millisecond)
			defer pace.Stop()
			for i := s; i < loadCommands; i += 10 {
				<-pace.C
				id := int64(10001 + i)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				env, _, err := h.slack.SendSlashCommand(ctx, slacktest.SlashCommand{
					Text: "stop " + strconv.FormatInt(id, 10) + " load", UserID: users[i%len(users)], ChannelID: opsChannel})
				cancel()
				if err != nil {
					t.Errorf("send %d: %v", id, err)
					return
				}
				mu.Lock()
				envs[id] = env
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.Logf("%d commands sent in %s", len(envs), time.Since(start).Round(time.Millisecond))
	require.Len(t, envs, loadCommands)
	return envs
}

// waitAcks waits for every ack and checks each came within 3 s of its envelope.
func waitAcks(t *testing.T, h *harness, envs map[int64]string) map[int64]slacktest.Ack {
	h.waitFor("all acks", func(s *slacktest.Server) bool { return len(s.Acks()) >= loadCommands })
	byEnv := map[string]slacktest.Ack{}
	for _, a := range h.slack.Acks() {
		byEnv[a.EnvelopeID] = a
	}
	out := make(map[int64]slacktest.Ack, len(envs))
	var slowest time.Duration
	for id, env := range envs {
		a, ok := byEnv[env]
		require.True(t, ok, "no ack for %d", id)
		slowest = max(slowest, a.At.Sub(a.SentAt))
		out[id] = a
	}
	t.Logf("slowest ack: %s", slowest)
	require.Less(t, slowest, 3*time.Second)
	return out
}

// waitOutcomes waits until every command has a final outcome: a refusal in
// its ack or a line in its thread. It returns counts by kind.
func waitOutcomes(t *testing.T, h *harness, acks map[int64]slacktest.Ack) map[string]int {
	var counts map[string]int
	var missing atomic.Int64
	ok := func() bool {
		lines := threadLines(h.slack)
		counts = map[string]int{}
		missing.Store(0)
		for id, a := range acks {
			if text, _ := a.Text(); text != "" {
				counts["refused in ack"]++
				continue
			}
			line, found := lines[id]
			if !found {
				missing.Add(1)
				continue
			}
			counts[strings.Fields(line)[0]]++
		}
		return missing.Load() == 0
	}
	require.Eventually(t, ok, 30*time.Second, 250*time.Millisecond, "commands without an outcome")
	return counts
}

// threadLines maps each Polyv channel id to its final thread line.
func threadLines(s *slacktest.Server) map[int64]string {
	out := map[int64]string{}
	for _, m := range s.Messages() {
		at := strings.Index(m.Text, "Polyv channel")
		if m.ThreadTS == "" || at < 0 {
			continue
		}
		var id int64 // the number, then ":" or the channel's name
		if _, err := fmt.Sscanf(m.Text[at:], "Polyv channel %d", &id); err == nil {
			out[id] = m.Text
		}
	}
	return out
}

// checkBucket: for any window W, calls ≤ burst + rate×W, with a quarter of a
// second of slack for requests that were granted apart but arrived together.
func checkBucket(t *testing.T, calls []polyvtest.Call) {
	for i := range calls {
		for j := i; j < len(calls); j++ {
			w := calls[j].At.Sub(calls[i].At) + 250*time.Millisecond
			allowed := float64(loadBurst) + loadRate*w.Seconds()
			require.LessOrEqual(t, float64(j-i+1), allowed, "%d calls in %s", j-i+1, w)
		}
	}
}

// sampleHeap samples the heap until the test ends; the returned function
// reports the peak so far.
func sampleHeap(t *testing.T) func() uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	t.Cleanup(func() { close(done); wg.Wait() })
	return peak.Load
}
