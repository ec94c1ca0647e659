package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/polyvbot/polyvbot/bot/slacktest"
)

// stage is what the scenes play on: the fake Slack, the bot's audit
// records (to know when it is done with a step) and what the reader was
// shown of the incident channel, so that each step prints what changed.
type stage struct {
	out    io.Writer
	sl     *slacktest.Server
	audits *auditCounter
	shown  map[string]string // message ts → the text printed for it
	clicks int               // response URLs made for clicks
}

func newStage(out io.Writer, sl *slacktest.Server, audits *auditCounter) *stage {
	return &stage{out: out, sl: sl, audits: audits, shown: map[string]string{}}
}

// playAct plays scene n, step by step; a step the bot does not finish in
// demoStepTimeout ends the demo.
func (st *stage) playAct(ctx context.Context, n int, act demoAct) error {
	fmt.Fprintf(st.out, "\n── %d. %s\n", n, act.title)
	for _, s := range act.steps {
		sctx, cancel := context.WithTimeout(ctx, demoStepTimeout)
		err := st.playStep(sctx, s)
		cancel()
		if err != nil {
			return fmt.Errorf("scene %d: %w", n, err)
		}
	}
	return nil
}

// playStep sends one command or click, waits until the bot is done with
// it and prints everything Slack would show because of it.
func (st *stage) playStep(ctx context.Context, s demoStep) error {
	seen := st.audits.count()
	var env, responseURL string
	var err error
	if s.click == "" {
		fmt.Fprintln(st.out, s.describe(demoButton{}, false))
		env, responseURL, err = st.sl.SendSlashCommand(ctx, slacktest.SlashCommand{
			Command: "/polyv", Text: s.text, UserID: s.user, UserName: strings.TrimPrefix(demoNames[s.user], "@"),
			ChannelID: demoChannel, ChannelName: "incident",
		})
	} else {
		env, responseURL, err = st.click(ctx, s)
	}
	if err != nil {
		return err
	}
	ack, err := st.sl.WaitAck(ctx, env)
	if err != nil {
		return fmt.Errorf("no ack: %w", err)
	}
	if text, _ := ack.Text(); text != "" {
		printLines(st.out, "  (only you see) ", text)
	}
	// A command answered in its ack (bad input, help) is audited after the
	// ack: a step that did not wait for that record would let it end the
	// next step's wait, and every later step would print too early.
	if err := st.audits.waitAbove(ctx, seen); err != nil {
		return fmt.Errorf("the bot did not finish in %s", demoStepTimeout)
	}
	st.printSlack(responseURL)
	return nil
}

// click sends a block_actions payload shaped like Slack's for s's click
// on the newest button with its action id, with a response_url of its own.
func (st *stage) click(ctx context.Context, s demoStep) (env, responseURL string, err error) {
	m, b, ok := st.findButton(s.click)
	if !ok {
		return "", "", fmt.Errorf("no button %s in %s", s.click, demoNames[demoChannel])
	}
	fmt.Fprintln(st.out, s.describe(b, m.ThreadTS != ""))
	st.clicks++
	responseURL = fmt.Sprintf("%s/response/%s/click/%d", st.sl.URL(), demoTeam, st.clicks)
	user := strings.TrimPrefix(demoNames[s.user], "@")
	payload := map[string]any{
		"type": "block_actions", "api_app_id": "A0TEST", "trigger_id": fmt.Sprintf("%d.demo.click", st.clicks),
		"team":         map[string]any{"id": demoTeam, "domain": "demo"},
		"user":         map[string]any{"id": s.user, "username": user, "name": user, "team_id": demoTeam},
		"channel":      map[string]any{"id": demoChannel, "name": "incident"},
		"container":    map[string]any{"type": "message", "message_ts": m.TS, "thread_ts": m.ThreadTS, "channel_id": demoChannel},
		"response_url": responseURL,
		"actions": []map[string]any{{"action_id": b.ActionID, "block_id": b.BlockID, "value": b.Value, "type": "button",
			"text": b.Text, "action_ts": m.TS}},
	}
	env, err = st.sl.SendInteractive(ctx, payload)
	return env, responseURL, err
}

// findButton is the newest message of the incident channel (its threads
// included) showing a button with action id action, and that button.
func (st *stage) findButton(action string) (slacktest.Message, demoButton, bool) {
	msgs := st.sl.Messages()
	for _, m := range slices.Backward(msgs) {
		if m.Channel != demoChannel {
			continue
		}
		for _, b := range buttonsOf(m) {
			if b.ActionID == action {
				return m, b, true
			}
		}
	}
	return slacktest.Message{}, demoButton{}, false
}

// printSlack prints the private answers sent to responseURL, then the
// incident channel's messages, thread replies included, that are new or
// were edited since the reader last saw them.
func (st *stage) printSlack(responseURL string) {
	for _, p := range st.sl.ResponsePosts() {
		if p.URL == responseURL {
			prefix := "  (only you see) "
			if p.ResponseType == "in_channel" {
				prefix = "  " + demoNames[demoChannel] + " › polyvbot: "
			}
			printLines(st.out, prefix, p.Text)
		}
	}
	for _, m := range st.sl.ChannelMessages(demoChannel) {
		st.show("  "+demoNames[demoChannel]+" › polyvbot: ", m)
		for _, r := range st.sl.Thread(demoChannel, m.TS) {
			st.show("      ↳ in thread: ", r)
		}
	}
}

// show prints m and its buttons unless the reader saw it as it is now.
func (st *stage) show(prefix string, m slacktest.Message) {
	text := m.Latest()
	old, seen := st.shown[m.TS]
	if seen && old == text {
		return
	}
	st.shown[m.TS] = text
	if seen {
		prefix += "(edited) "
	}
	printLines(st.out, prefix, text)
	var labels []string
	for _, b := range buttonsOf(m) {
		labels = append(labels, "["+b.Text.Text+"]")
	}
	if len(labels) > 0 {
		fmt.Fprintln(st.out, strings.Repeat(" ", len([]rune(prefix)))+strings.Join(labels, " "))
	}
}

// demoButton is a button of a message's actions block, as Block Kit has it.
type demoButton struct {
	ActionID string         `json:"action_id"`
	Value    string         `json:"value"`
	Text     demoTextObject `json:"text"`
	Confirm  *struct {
		Title   demoTextObject `json:"title"`
		Confirm demoTextObject `json:"confirm"`
	} `json:"confirm"`
	BlockID string `json:"-"`
}

type demoTextObject struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// buttonsOf are the buttons m shows now: those of its latest blocks.
func buttonsOf(m slacktest.Message) []demoButton {
	raw := m.Blocks
	if m.UpdatedBlocks != nil {
		raw = m.UpdatedBlocks
	}
	var blocks []struct {
		Type     string       `json:"type"`
		BlockID  string       `json:"block_id"`
		Elements []demoButton `json:"elements"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &blocks) != nil {
		return nil
	}
	var out []demoButton
	for _, bl := range blocks {
		if bl.Type != "actions" {
			continue
		}
		for _, b := range bl.Elements {
			b.BlockID = bl.BlockID
			out = append(out, b)
		}
	}
	return out
}
