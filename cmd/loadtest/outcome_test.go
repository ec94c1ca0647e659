package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestChannelTrace(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1700000000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	tests := []struct {
		name       string
		lines      []string
		verify     bool
		wantOK     bool
		wantDoneAt time.Time
	}{
		{"no reply yet", nil, true, false, time.Time{}},
		{"stopped, verification due", []string{"✅ Polyv channel 7: stopped"}, true, false, time.Time{}},
		{"stopped and verified", []string{"✅ Polyv channel 7: stopped", "🔎 Polyv channel 7: verified, no longer live (ended)"}, true, true, at(1)},
		{"stopped, still live after the window", []string{"✅ Polyv channel 7: stopped", "⚠️ Polyv channel 7: Polyv accepted the stop, but the channel still reports live"}, true, true, at(1)},
		{"stopped without verification", []string{"✅ Polyv channel 7: stopped"}, false, true, at(0)},
		{"failed: nothing to verify", []string{"❌ Polyv channel 7: Polyv refused"}, true, true, at(0)},
		{"busy elsewhere: nothing to verify", []string{"⏳ Polyv channel 7: already being stopped by <@U1>"}, true, true, at(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var tr channelTrace
			for i, l := range tt.lines {
				tr.observe(l, at(i))
			}
			doneAt, ok := tr.done(tt.verify)
			require.Equal(t, tt.wantOK, ok)
			require.Equal(t, tt.wantDoneAt, doneAt)
			require.Equal(t, len(tt.lines), tr.Replies)
		})
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1700000000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	ack := func(text string) ackInfo { return ackInfo{SentAt: at(0), At: at(1), Text: text} }
	trace := func(lines ...string) channelTrace {
		var tr channelTrace
		for i, l := range lines {
			tr.observe(l, at(10*(i+1)))
		}
		return tr
	}
	verified := trace("✅ Polyv channel 1: stopped", "🔎 Polyv channel 1: verified, no longer live")
	stopped := trace("✅ Polyv channel 2: stopped")
	tests := []struct {
		name   string
		e      evidence
		verify bool
		want   cmdResult
	}{
		{"never acked is lost", evidence{kind: kindHelp}, true, cmdResult{Lost: true}},
		{"help answered in the ack", evidence{kind: kindHelp, ack: ack("*/polyv* stops …"), acked: true}, true,
			cmdResult{SentAt: at(0), Ack: time.Millisecond, Acked: true, Complete: true, DoneAt: at(1)}},
		{"bad input without an answer is lost", evidence{kind: kindBad, ack: ack(""), acked: true}, true,
			cmdResult{SentAt: at(0), Ack: time.Millisecond, Acked: true, Lost: true}},
		{"stop refused as busy in the ack", evidence{kind: kindStop, ids: []int64{1}, ack: ack("⏳ The bot is busy"), acked: true}, true,
			cmdResult{SentAt: at(0), Ack: time.Millisecond, Acked: true, Refused: true, Complete: true, DoneAt: at(1)}},
		{"status answered privately", evidence{kind: kindStatus, ids: []int64{1}, ack: ack(""), acked: true, private: at(5)}, true,
			cmdResult{SentAt: at(0), Ack: time.Millisecond, Acked: true, HasE2E: true, E2E: 5 * time.Millisecond, OutcomeAt: at(5),
				Complete: true, Done: 5 * time.Millisecond, DoneAt: at(5)}},
		{"status refused as busy", evidence{kind: kindStatus, ids: []int64{1}, ack: ack("⏳ The bot is busy"), acked: true}, true,
			cmdResult{SentAt: at(0), Ack: time.Millisecond, Acked: true, Refused: true, Complete: true, DoneAt: at(1)}},
		{"status never answered is lost", evidence{kind: kindStatus, ids: []int64{1}, ack: ack(""), acked: true}, true,
			cmdResult{SentAt: at(0), Ack: time.Millisecond, Acked: true, Lost: true}},
		{"stop stopped and verified", evidence{kind: kindStop, ids: []int64{1}, ack: ack(""), acked: true, traces: map[int64]channelTrace{1: verified}}, true,
			cmdResult{SentAt: at(0), Ack: time.Millisecond, Acked: true, HasE2E: true, E2E: 10 * time.Millisecond, OutcomeAt: at(10),
				Complete: true, Done: 20 * time.Millisecond, DoneAt: at(20)}},
		{"stop whose verification never came is lost", evidence{kind: kindStop, ids: []int64{2}, ack: ack(""), acked: true, traces: map[int64]channelTrace{2: stopped}}, true,
			cmdResult{SentAt: at(0), Ack: time.Millisecond, Acked: true, HasE2E: true, E2E: 10 * time.Millisecond, OutcomeAt: at(10), Lost: true}},
		{"stop without verification is done at its outcome", evidence{kind: kindStop, ids: []int64{2}, ack: ack(""), acked: true, traces: map[int64]channelTrace{2: stopped}}, false,
			cmdResult{SentAt: at(0), Ack: time.Millisecond, Acked: true, HasE2E: true, E2E: 10 * time.Millisecond, OutcomeAt: at(10),
				Complete: true, Done: 10 * time.Millisecond, DoneAt: at(10)}},
		{"multi-channel stop waits for every channel", evidence{kind: kindStop, ids: []int64{1, 2}, ack: ack(""), acked: true,
			traces: map[int64]channelTrace{1: verified, 2: stopped}}, true,
			cmdResult{SentAt: at(0), Ack: time.Millisecond, Acked: true, HasE2E: true, E2E: 10 * time.Millisecond, OutcomeAt: at(10), Lost: true}},
		{"stop refused privately", evidence{kind: kindStop, ids: []int64{3}, ack: ack(""), acked: true, private: at(4)}, true,
			cmdResult{SentAt: at(0), Ack: time.Millisecond, Acked: true, Refused: true, Complete: true, DoneAt: at(4)}},
		{"stop with no reply at all is lost", evidence{kind: kindStop, ids: []int64{3}, ack: ack(""), acked: true}, true,
			cmdResult{SentAt: at(0), Ack: time.Millisecond, Acked: true, Lost: true}},
		{"the ambiguity note is no refusal", evidence{kind: kindStop, ids: []int64{1}, ack: ack("ℹ️ Read as: stop Polyv channels 1, 2"), acked: true,
			traces: map[int64]channelTrace{1: verified}}, true,
			cmdResult{SentAt: at(0), Ack: time.Millisecond, Acked: true, HasE2E: true, E2E: 10 * time.Millisecond, OutcomeAt: at(10),
				Complete: true, Done: 20 * time.Millisecond, DoneAt: at(20)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, classify(tt.e, tt.verify))
		})
	}
}
