package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// soakCommand is one slash command of the soak's mix.
type soakCommand struct {
	Kind    cmdKind
	Text    string
	User    string  // Slack user id
	Channel string  // Slack channel id
	IDs     []int64 // Polyv channels: fresh and distinct for a stop, any for a status
}

// Shares of the mix in percent. Help and bad input cost the bot no Polyv
// call, so the mix can run at 150 commands/s while its Polyv calls (about
// 0.83 per command with one verification call per stop command) stay under
// the global bucket's 150 per second, the most the bot accepts.
const (
	shareStopOne    = 20 // stop one channel
	shareStopReason = 10 // stop one channel, with a reason
	shareStopMany   = 5  // stop 2 or 3 channels, most with a reason
	shareStatus     = 5  // status of 1 or 2 channels
	shareHelp       = 25
	shareBad        = 35 // bad input, refused in the ack
)

// mixShares lists the shares in the order next draws them.
var mixShares = []struct {
	share int
	make  func(*commandMix) soakCommand
}{
	{shareStopOne, (*commandMix).stopOne},
	{shareStopReason, (*commandMix).stopReason},
	{shareStopMany, (*commandMix).stopMany},
	{shareStatus, (*commandMix).status},
	{shareHelp, (*commandMix).help},
	{shareBad, (*commandMix).bad},
}

// polyvCallsPerCommand is what the mix costs in Polyv calls per command
// when each stop command adds one verification call, as polyvbot does when
// it verifies every command on its own: stop calls (2.5 channels for a
// multi-channel stop on average), the verification calls and the status
// commands' calls.
func polyvCallsPerCommand() float64 {
	stops := float64(shareStopOne+shareStopReason) + 2.5*shareStopMany
	verifications := float64(shareStopOne + shareStopReason + shareStopMany)
	return (stops + verifications + shareStatus) / 100
}

// commandMix draws the soak's commands: thousands of requesters in a few
// Slack channels, a fresh Polyv channel for every channel a stop names (so
// every stop can be matched to its replies and counted at the fake Polyv),
// and status checks of channels stopped a moment ago or never stopped. It is
// deterministic for a seed.
type commandMix struct {
	rng      *rand.Rand
	users    int
	nextID   int64
	recent   []int64 // ring of recently stopped channels, for status
	recentAt int
}

// Bounds of the mix.
const (
	mixSlackChannels = 12
	mixFirstID       = 2_000_000 // above the ids the default runs use
	mixRecent        = 64
)

func newCommandMix(seed uint64, users int) *commandMix {
	return &commandMix{rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), users: max(users, 1), nextID: mixFirstID}
}

// next draws a command.
func (m *commandMix) next() soakCommand {
	n := m.rng.IntN(100)
	for _, s := range mixShares {
		if n < s.share {
			c := s.make(m)
			c.User = fmt.Sprintf("U0S%06d", m.rng.IntN(m.users))
			c.Channel = fmt.Sprintf("C0SOAK%02d", m.rng.IntN(mixSlackChannels))
			return c
		}
		n -= s.share
	}
	panic("loadtest: mix shares do not add up to 100")
}

// fresh returns n Polyv channels no command named before.
func (m *commandMix) fresh(n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		m.nextID++
		ids[i] = m.nextID
		if len(m.recent) < mixRecent {
			m.recent = append(m.recent, m.nextID)
		} else {
			m.recent[m.recentAt] = m.nextID
			m.recentAt = (m.recentAt + 1) % mixRecent
		}
	}
	return ids
}

func (m *commandMix) pick(options []string) string { return options[m.rng.IntN(len(options))] }

func (m *commandMix) stopOne() soakCommand {
	ids := m.fresh(1)
	form := m.pick([]string{"stop %d", "stop %d", "STOP %d", "stop #%d", "stop  %d "})
	return soakCommand{Kind: kindStop, IDs: ids, Text: fmt.Sprintf(form, ids[0])}
}

// reasons starting with a word can follow a single id without a marker;
// the others need one.
var (
	wordReasons = []string{"leaked test stream", "rehearsal ran over", "wrong encoder pushing",
		"viewer report: audio from the next room", "customer asked &amp; confirmed", "停止测试推流"}
	numberReasons = []string{"2 viewers saw the test card", "10 min past the end", "3rd report today"}
	anyReasons    = slices.Concat(wordReasons, numberReasons)
)

func (m *commandMix) stopReason() soakCommand {
	ids := m.fresh(1)
	id := strconv.FormatInt(ids[0], 10)
	var text string
	switch m.rng.IntN(5) {
	case 0:
		text = "stop " + id + " " + m.pick(wordReasons)
	case 1:
		text = "stop " + id + ": " + m.pick(numberReasons)
	case 2:
		text = "stop " + id + " — " + m.pick(wordReasons)
	case 3:
		text = "stop <https://live.polyv.cn/watch/" + id + "> -- " + m.pick(wordReasons)
	default:
		text = "stop " + id + " -- " + m.pick(anyReasons)
	}
	return soakCommand{Kind: kindStop, IDs: ids, Text: text}
}

func (m *commandMix) stopMany() soakCommand {
	ids := m.fresh(2 + m.rng.IntN(2))
	words := make([]string, len(ids))
	for i, id := range ids {
		words[i] = strconv.FormatInt(id, 10)
	}
	var text string
	switch m.rng.IntN(4) {
	case 0:
		text = "stop " + strings.Join(words, " ")
	case 1:
		text = "stop " + strings.Join(words, ", ") + " -- " + m.pick(wordReasons)
	default:
		text = "stop " + strings.Join(words, " ") + " -- " + m.pick(anyReasons)
	}
	return soakCommand{Kind: kindStop, IDs: ids, Text: text}
}

func (m *commandMix) status() soakCommand {
	var ids []int64
	for range 1 + m.rng.IntN(2) {
		if len(m.recent) > 0 && m.rng.IntN(2) == 0 {
			ids = append(ids, m.recent[m.rng.IntN(len(m.recent))])
		} else {
			ids = append(ids, 1+m.rng.Int64N(mixFirstID-1))
		}
	}
	words := make([]string, len(ids))
	for i, id := range ids {
		words[i] = strconv.FormatInt(id, 10)
	}
	if len(ids) == 2 && ids[0] == ids[1] {
		ids, words = ids[:1], words[:1]
	}
	return soakCommand{Kind: kindStatus, IDs: ids, Text: "status " + strings.Join(words, " ")}
}

func (m *commandMix) help() soakCommand {
	return soakCommand{Kind: kindHelp, Text: m.pick([]string{"help", "", "?", "HELP", "--help"})}
}

// badInputs are refused in the ack, each for a different reason.
var badInputs = []string{
	"stop", "status", "stop 1O001", "stop 0", "stop 007", "stop 99999999999",
	"frobnicate 10001", "10001", "status 10001 -- why", "status 10001 because",
	"stop 10001 https://example.com/watch/10001", "ſtop 10001",
	"stop 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 -- too many",
}

func (m *commandMix) bad() soakCommand {
	return soakCommand{Kind: kindBad, Text: m.pick(badInputs)}
}
