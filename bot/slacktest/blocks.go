package slacktest

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
)

// Refusal is a post the fake refused, as Slack would, because its blocks
// break a Block Kit rule. Nothing of it was recorded as posted.
type Refusal struct {
	// Method is "chat.postMessage", "chat.update", "chat.postEphemeral" or
	// "response_url".
	Method string
	// Channel is the Web API call's channel parameter; URL the response_url
	// posted to.
	Channel, URL string
	// Errors are Slack's reasons, each naming the field it is about, for
	// example "must be less than 256 characters [json-pointer:/blocks/1/block_id]".
	Errors []string
	Blocks json.RawMessage
	At     time.Time
}

// Refusals returns every post refused for its blocks so far, in order, so a
// failing test can say which field broke which rule.
func (s *Server) Refusals() []Refusal {
	var out []Refusal
	s.read(func(st *state) { out = append([]Refusal(nil), st.refusals...) })
	return out
}

// Block Kit's limits, from Slack's reference for the section and actions
// blocks, the button element and the confirmation dialog. Lengths count
// Unicode characters (runes), as Slack does, not bytes: "停" counts one.
const (
	maxBlocks          = 50
	maxActionsElements = 25
	maxBlockID         = 255
	maxActionID        = 255
	maxSectionText     = 3000
	maxButtonText      = 75
	maxButtonValue     = 2000
	maxButtonURL       = 3000
	maxConfirmTitle    = 100
	maxConfirmText     = 300
	maxConfirmButton   = 30
	// maxMessageText is where Slack cuts a message's top-level text; it
	// does not refuse a longer one.
	maxMessageText = 40000
)

// checkBlocks returns why Slack would refuse a message whose "blocks" field
// is raw, in Slack's wording ("<reason> [json-pointer:/blocks/…]"), or nil
// if Slack would take it. raw comes from outside: any bytes are allowed.
//
// Only the rules above are checked, plus what makes blocks unreadable (not
// JSON, not an array of objects, a type Slack does not know, a field of the
// wrong JSON type): a message the fake takes may still be one Slack refuses
// for a rule not listed here. Slack's exact wording is known for lengths and
// item counts; for the others it is the fake's own.
func checkBlocks(raw []byte) []string {
	var blocks any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return []string{problem("/blocks", "blocks are not valid JSON")}
	}
	list, ok := blocks.([]any)
	if !ok {
		return []string{problem("/blocks", "must be an array")}
	}
	c := blockCheck{blockIDs: map[string]bool{}, actionIDs: map[string]bool{}}
	if len(list) > maxBlocks {
		c.add("/blocks", fmt.Sprintf("no more than %d items allowed", maxBlocks))
	}
	for i, b := range list {
		c.block(fmt.Sprintf("/blocks/%d", i), b)
	}
	return c.problems
}

// cutText is a message's top-level text as Slack keeps it: its first
// maxMessageText characters.
func cutText(s string) string {
	if utf8.RuneCountInString(s) <= maxMessageText {
		return s
	}
	n := 0
	for i := range s {
		if n == maxMessageText {
			return s[:i]
		}
		n++
	}
	return s
}

// knownBlockTypes are the block types slack-go v0.35.0 knows; Slack
// refuses any other.
var knownBlockTypes = setOf("section", "divider", "image", "actions", "context", "context_actions", "file",
	"input", "header", "rich_text", "call", "video", "markdown", "table", "data_table", "data_visualization",
	"task_card", "plan", "alert", "auth_provider", "card", "carousel", "container", "layout")

// knownElementTypes are the interactive elements a section's accessory or
// an actions block may hold.
var knownElementTypes = setOf("button", "checkboxes", "datepicker", "datetimepicker", "image", "overflow",
	"radio_buttons", "timepicker", "workflow_button", "feedback_buttons", "icon_button",
	"static_select", "external_select", "users_select", "conversations_select", "channels_select",
	"multi_static_select", "multi_external_select", "multi_users_select", "multi_conversations_select",
	"multi_channels_select", "plain_text_input", "rich_text_input")

// blockCheck walks one message's blocks. Identifiers are unique within the
// message: block_id across blocks, action_id across every element.
type blockCheck struct {
	problems  []string
	blockIDs  map[string]bool
	actionIDs map[string]bool
}

func (c *blockCheck) block(at string, v any) {
	b, ok := c.object(at, v)
	if !ok {
		return
	}
	typ, ok := c.typeOf(at, b, knownBlockTypes)
	if !ok {
		return
	}
	c.identifier(at+"/block_id", b["block_id"], maxBlockID, c.blockIDs)
	switch typ {
	case "section":
		if text, ok := b["text"]; ok {
			c.textObject(at+"/text", text, maxSectionText, false)
		}
		if acc, ok := b["accessory"]; ok {
			c.element(at+"/accessory", acc)
		}
	case "actions":
		c.actions(at, b)
	}
}

func (c *blockCheck) actions(at string, b map[string]any) {
	els, ok := b["elements"].([]any)
	if !ok {
		c.add(at+"/elements", "must be an array")
		return
	}
	if len(els) > maxActionsElements {
		c.add(at+"/elements", fmt.Sprintf("no more than %d items allowed", maxActionsElements))
	}
	for i, el := range els {
		c.element(fmt.Sprintf("%s/elements/%d", at, i), el)
	}
}

func (c *blockCheck) element(at string, v any) {
	e, ok := c.object(at, v)
	if !ok {
		return
	}
	typ, ok := c.typeOf(at, e, knownElementTypes)
	if !ok {
		return
	}
	c.identifier(at+"/action_id", e["action_id"], maxActionID, c.actionIDs)
	if typ == "button" {
		c.button(at, e)
	}
	if confirm, ok := e["confirm"]; ok {
		c.confirm(at+"/confirm", confirm)
	}
}

func (c *blockCheck) button(at string, e map[string]any) {
	c.textObject(at+"/text", e["text"], maxButtonText, true)
	c.optionalString(at+"/value", e["value"], maxButtonValue)
	c.optionalString(at+"/url", e["url"], maxButtonURL)
	style, ok := e["style"]
	if !ok {
		return
	}
	if s, _ := style.(string); s != "primary" && s != "danger" {
		c.add(at+"/style", `must be one of "primary", "danger"`)
	}
}

func (c *blockCheck) confirm(at string, v any) {
	d, ok := c.object(at, v)
	if !ok {
		return
	}
	c.textObject(at+"/title", d["title"], maxConfirmTitle, true)
	c.textObject(at+"/text", d["text"], maxConfirmText, false)
	c.textObject(at+"/confirm", d["confirm"], maxConfirmButton, true)
	c.textObject(at+"/deny", d["deny"], maxConfirmButton, true)
}

// textObject checks a required text object: {"type":"plain_text"|"mrkdwn",
// "text":…}, plain_text only when plain.
func (c *blockCheck) textObject(at string, v any, maxLen int, plain bool) {
	if v == nil {
		c.add(at, "missing required field")
		return
	}
	t, ok := c.object(at, v)
	if !ok {
		return
	}
	switch typ, _ := t["type"].(string); {
	case plain && typ != "plain_text":
		c.add(at+"/type", `must be "plain_text"`)
	case typ != "plain_text" && typ != "mrkdwn":
		c.add(at+"/type", `must be one of "plain_text", "mrkdwn"`)
	}
	if t["text"] == nil {
		c.add(at+"/text", "missing required field")
		return
	}
	c.optionalString(at+"/text", t["text"], maxLen)
}

// identifier checks an optional block_id or action_id: a string, not too
// long, not seen before in this message.
func (c *blockCheck) identifier(at string, v any, maxLen int, seen map[string]bool) {
	if v == nil {
		return
	}
	id, ok := c.optionalString(at, v, maxLen)
	if !ok {
		return
	}
	if seen[id] {
		c.add(at, "must be unique within the message")
	}
	seen[id] = true
}

// optionalString checks that v, if present, is a string of at most maxLen
// characters, and returns it.
func (c *blockCheck) optionalString(at string, v any, maxLen int) (string, bool) {
	if v == nil {
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		c.add(at, "must be a string")
		return "", false
	}
	if utf8.RuneCountInString(s) > maxLen {
		c.add(at, fmt.Sprintf("must be less than %d characters", maxLen+1))
	}
	return s, true
}

func (c *blockCheck) object(at string, v any) (map[string]any, bool) {
	o, ok := v.(map[string]any)
	if !ok {
		c.add(at, "must be an object")
	}
	return o, ok
}

// typeOf returns o's type if it is one of known.
func (c *blockCheck) typeOf(at string, o map[string]any, known map[string]bool) (string, bool) {
	typ, ok := o["type"].(string)
	switch {
	case o["type"] == nil:
		c.add(at+"/type", "missing required field")
	case !ok:
		c.add(at+"/type", "must be a string")
	case !known[typ]:
		c.add(at+"/type", "unsupported type: "+typ)
		ok = false
	}
	return typ, ok
}

func (c *blockCheck) add(at, reason string) { c.problems = append(c.problems, problem(at, reason)) }

func problem(at, reason string) string { return reason + " [json-pointer:" + at + "]" }

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
