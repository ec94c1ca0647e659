package slacktest

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The limits themselves are tested through slack-go in blocks_test.go; this
// covers the shapes slack-go never sends.
func TestCheckBlocks(t *testing.T) {
	t.Parallel()
	button := func(extra string) string {
		return `{"type":"button","action_id":"a","text":{"type":"plain_text","text":"Go"}` + extra + `}`
	}
	tests := []struct {
		name, blocks string
		want         []string
	}{
		{"empty", `[]`, nil},
		{"null block_id is none", `[{"type":"divider","block_id":null},{"type":"divider","block_id":null}]`, nil},
		{"accessory button", `[{"type":"section","text":{"type":"mrkdwn","text":"x"},"accessory":` +
			button(`,"value":"`+strings.Repeat("v", 2001)+`"`) + `}]`,
			[]string{"must be less than 2001 characters [json-pointer:/blocks/0/accessory/value]"}},
		{"action_id unique across accessory and actions", `[{"type":"section","text":{"type":"mrkdwn","text":"x"},"accessory":` +
			button("") + `},{"type":"actions","elements":[` + button("") + `]}]`,
			[]string{"must be unique within the message [json-pointer:/blocks/1/elements/0/action_id]"}},
		{"confirm on a select", `[{"type":"actions","elements":[{"type":"static_select","action_id":"s","confirm":` +
			`{"title":{"type":"plain_text","text":"` + strings.Repeat("t", 101) + `"},"text":{"type":"mrkdwn","text":"x"},` +
			`"confirm":{"type":"plain_text","text":"y"},"deny":{"type":"plain_text","text":"n"}}}]}]`,
			[]string{"must be less than 101 characters [json-pointer:/blocks/0/elements/0/confirm/title/text]"}},
		{"confirm without deny", `[{"type":"actions","elements":[` + button(`,"confirm":{"title":{"type":"plain_text","text":"t"},`+
			`"text":{"type":"plain_text","text":"x"},"confirm":{"type":"plain_text","text":"y"}}`) + `]}]`,
			[]string{"missing required field [json-pointer:/blocks/0/elements/0/confirm/deny]"}},
		{"button text in mrkdwn", `[{"type":"actions","elements":[{"type":"button","text":{"type":"mrkdwn","text":"Go"}}]}]`,
			[]string{`must be "plain_text" [json-pointer:/blocks/0/elements/0/text/type]`}},
		{"button without text", `[{"type":"actions","elements":[{"type":"button","value":"v"}]}]`,
			[]string{"missing required field [json-pointer:/blocks/0/elements/0/text]"}},
		{"text object without text", `[{"type":"section","text":{"type":"mrkdwn"}}]`,
			[]string{"missing required field [json-pointer:/blocks/0/text/text]"}},
		{"section text of an unknown kind", `[{"type":"section","text":{"type":"html","text":"x"}}]`,
			[]string{`must be one of "plain_text", "mrkdwn" [json-pointer:/blocks/0/text/type]`}},
		{"empty style", `[{"type":"actions","elements":[` + button(`,"style":""`) + `]}]`,
			[]string{`must be one of "primary", "danger" [json-pointer:/blocks/0/elements/0/style]`}},
		{"fields of the wrong JSON type", `[{"type":"divider","block_id":7},{"type":"actions","elements":[` +
			button(`,"value":1`) + `]},{"type":5}]`,
			[]string{"must be a string [json-pointer:/blocks/0/block_id]", "must be a string [json-pointer:/blocks/1/elements/0/value]",
				"must be a string [json-pointer:/blocks/2/type]"}},
		{"actions without elements", `[{"type":"actions"}]`, []string{"must be an array [json-pointer:/blocks/0/elements]"}},
		{"unknown element", `[{"type":"actions","elements":[{"type":"slider"}]}]`,
			[]string{"unsupported type: slider [json-pointer:/blocks/0/elements/0/type]"}},
		{"trailing data", `[] []`, []string{"blocks are not valid JSON [json-pointer:/blocks]"}},
		{"null", `null`, []string{"must be an array [json-pointer:/blocks]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, checkBlocks([]byte(tt.blocks)))
		})
	}
}

func TestCutText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, want string
	}{
		{"short", "stop 10001", "stop 10001"},
		{"at the limit", strings.Repeat("停", maxMessageText), strings.Repeat("停", maxMessageText)},
		{"one past", strings.Repeat("停", maxMessageText) + "x", strings.Repeat("停", maxMessageText)},
		{"far past, mixed", strings.Repeat("a停", maxMessageText), strings.Repeat("a停", maxMessageText/2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, cutText(tt.text))
		})
	}
}

// problemShape is how every reason reads: why, then where.
var problemShape = regexp.MustCompile(`(?s)^.+ \[json-pointer:/blocks(/[a-z_0-9]+)*\]$`)

func FuzzCheckBlocks(f *testing.F) {
	f.Add([]byte(`[{"type":"divider"}]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		problems := checkBlocks(raw)
		require.Equal(t, problems, checkBlocks(raw), "the same blocks get the same answer")
		if !json.Valid(raw) {
			require.Equal(t, []string{"blocks are not valid JSON [json-pointer:/blocks]"}, problems)
			return
		}
		for _, p := range problems {
			require.Regexp(t, problemShape, p)
		}
		if problems != nil {
			return
		}
		var blocks []map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber() // blocks may carry a number no float64 holds
		require.NoError(t, dec.Decode(&blocks), "accepted blocks are an array of objects")
		require.LessOrEqual(t, len(blocks), maxBlocks)
		for _, b := range blocks {
			require.True(t, knownBlockTypes[b["type"].(string)], "accepted blocks have known types")
		}
		// Slack reads JSON, not bytes: the same blocks written again are
		// accepted too.
		again, err := json.Marshal(blocks)
		require.NoError(t, err)
		require.Nil(t, checkBlocks(again), "re-encoded %s", again)
	})
}
