package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"
)

// Slack refuses a message with invalid_blocks past the Block Kit limits
// below; the fake Slack checks every message it receives against them, and
// every pipeline test fails if one did not meet them. They are written out
// here, apart from the bot's own, so that a wrong limit in the bot shows.
const (
	slackMaxBlocks        = 50
	slackMaxActions       = 25
	slackMaxBlockID       = 255 // block_id and action_id
	slackMaxButtonText    = 75
	slackMaxButtonURL     = 3000
	slackMaxSectionText   = 3000
	slackMaxConfirmTitle  = 100
	slackMaxConfirmText   = 300
	slackMaxConfirmButton = 30
	slackMaxButtonValue   = 2000
)

// blockKitProblems lists what in blocks Slack would refuse. earlier are the
// block_ids of the message they replace, which may not be reused.
func blockKitProblems(blocks []slack.Block, earlier map[string]bool) []string {
	if len(blocks) == 0 {
		return nil
	}
	raw, err := json.Marshal(blocks)
	if err != nil {
		return []string{"blocks do not encode: " + err.Error()}
	}
	var list []map[string]any
	if err := json.Unmarshal(raw, &list); err != nil {
		return []string{"blocks are not a list of objects: " + err.Error()}
	}
	c := blockCheck{blockIDs: map[string]bool{}, actionIDs: map[string]bool{}, earlier: earlier}
	c.limit("blocks in a message", len(list), slackMaxBlocks)
	for _, b := range list {
		c.block(b)
	}
	return c.problems
}

// blockIDs are the block_ids blocks carry.
func blockIDs(blocks []slack.Block) map[string]bool {
	raw, _ := json.Marshal(blocks)
	var list []map[string]any
	_ = json.Unmarshal(raw, &list)
	ids := map[string]bool{}
	for _, b := range list {
		if id, ok := b["block_id"].(string); ok {
			ids[id] = true
		}
	}
	return ids
}

type blockCheck struct {
	problems            []string
	blockIDs, actionIDs map[string]bool
	earlier             map[string]bool
}

func (c *blockCheck) bad(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *blockCheck) limit(what string, n, max int) {
	if n > max {
		c.bad("%s: %d, over %d", what, n, max)
	}
}

// text checks a text object's text (or a plain string) against max runes.
func (c *blockCheck) text(what string, v any, max int) {
	switch t := v.(type) {
	case map[string]any:
		c.text(what, t["text"], max)
	case string:
		c.limit(what+" characters", utf8.RuneCountInString(t), max)
	}
}

func (c *blockCheck) id(kind string, v any, seen map[string]bool) {
	id, ok := v.(string)
	if !ok {
		return
	}
	c.limit(kind+" length", utf8.RuneCountInString(id), slackMaxBlockID)
	if seen[id] {
		c.bad("%s %q is not unique in the message", kind, id)
	}
	if kind == "block_id" && c.earlier[id] {
		c.bad("block_id %q is reused by an update", id)
	}
	seen[id] = true
}

func (c *blockCheck) block(b map[string]any) {
	c.id("block_id", b["block_id"], c.blockIDs)
	switch b["type"] {
	case "section":
		c.text("section text", b["text"], slackMaxSectionText)
		if el, ok := b["accessory"].(map[string]any); ok {
			c.element(el)
		}
	case "actions":
		els, _ := b["elements"].([]any)
		c.limit("elements in an actions block", len(els), slackMaxActions)
		for _, el := range els {
			if m, ok := el.(map[string]any); ok {
				c.element(m)
			}
		}
	}
}

func (c *blockCheck) element(el map[string]any) {
	c.id("action_id", el["action_id"], c.actionIDs)
	if el["type"] != "button" {
		return
	}
	c.text("button text", el["text"], slackMaxButtonText)
	c.text("button value", el["value"], slackMaxButtonValue)
	c.text("button url", el["url"], slackMaxButtonURL)
	if style, ok := el["style"].(string); ok && style != "primary" && style != "danger" {
		c.bad("button style %q", style)
	}
	if cf, ok := el["confirm"].(map[string]any); ok {
		c.text("confirm title", cf["title"], slackMaxConfirmTitle)
		c.text("confirm text", cf["text"], slackMaxConfirmText)
		c.text("confirm button", cf["confirm"], slackMaxConfirmButton)
		c.text("confirm deny button", cf["deny"], slackMaxConfirmButton)
	}
}

// The check itself: each limit is caught, and a message within them passes.
func TestBlockKitProblems(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("x", n) }
	button := func(action, value, text string) *slack.ButtonBlockElement {
		return slack.NewButtonBlockElement(action, value, plain(text))
	}
	section := func(text string) slack.Block {
		return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)
	}
	confirm := func(title, text, yes, no string) *slack.ButtonBlockElement {
		return button("c", "v", "Stop").WithConfirm(slack.NewConfirmationBlockObject(plain(title), plain(text), plain(yes), plain(no)))
	}
	actions := func(id string, els ...slack.BlockElement) slack.Block { return slack.NewActionBlock(id, els...) }
	cases := []struct {
		name    string
		blocks  []slack.Block
		earlier map[string]bool
		want    string
	}{
		{"within the limits", []slack.Block{section(long(3000)), actions(long(255), button("a", long(2000), long(75)), confirm(long(100), long(300), long(30), long(30)))}, nil, ""},
		{"a long block_id", []slack.Block{actions(long(256), button("a", "v", "Stop"))}, nil, "block_id length: 256, over 255"},
		{"a long action_id", []slack.Block{actions("b", button(long(256), "v", "Stop"))}, nil, "action_id length: 256, over 255"},
		{"block_ids repeated", []slack.Block{actions("b", button("a", "v", "x")), actions("b", button("c", "v", "x"))}, nil, `block_id "b" is not unique`},
		{"action_ids repeated", []slack.Block{actions("b", button("a", "v", "x"), button("a", "v", "y"))}, nil, `action_id "a" is not unique`},
		{"a block_id kept by an update", []slack.Block{actions("b", button("a", "v", "x"))}, map[string]bool{"b": true}, `block_id "b" is reused`},
		{"long button text", []slack.Block{actions("b", button("a", "v", long(76)))}, nil, "button text characters: 76, over 75"},
		{"long button value", []slack.Block{actions("b", button("a", long(2001), "x"))}, nil, "button value characters: 2001, over 2000"},
		{"long confirm title", []slack.Block{actions("b", confirm(long(101), "t", "y", "n"))}, nil, "confirm title characters: 101"},
		{"long confirm text", []slack.Block{actions("b", confirm("t", long(301), "y", "n"))}, nil, "confirm text characters: 301"},
		{"long confirm button", []slack.Block{actions("b", confirm("t", "t", long(31), "n"))}, nil, "confirm button characters: 31"},
		{"long deny button", []slack.Block{actions("b", confirm("t", "t", "y", long(31)))}, nil, "confirm deny button characters: 31"},
		{"long section text", []slack.Block{section(long(3001))}, nil, "section text characters: 3001, over 3000"},
		{"multi-byte text counts characters", []slack.Block{section(strings.Repeat("长", 3000))}, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := strings.Join(blockKitProblems(tc.blocks, tc.earlier), "; ")
			if tc.want == "" {
				require.Empty(t, got)
				return
			}
			require.Contains(t, got, tc.want)
		})
	}
}
