package slacktest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
)

// blockLimit is one Block Kit rule: blocks(false) keeps to it exactly,
// blocks(true) breaks it by one, and Slack then answers with want.
type blockLimit struct {
	name   string
	blocks func(past bool) []slack.Block
	want   string
}

// blockLimits has one case per rule the fake enforces. Lengths are made of
// "停", which Slack counts as one character although it is three bytes.
var blockLimits = []blockLimit{
	{"block_id length", atLimit(255, func(n int) []slack.Block { return []slack.Block{section(zh(n), "x")} }),
		"must be less than 256 characters [json-pointer:/blocks/0/block_id]"},
	{"block_id unique", oneOf(
		[]slack.Block{section("a", "x"), section("b", "x")},
		[]slack.Block{section("a", "x"), section("a", "x")}),
		"must be unique within the message [json-pointer:/blocks/1/block_id]"},
	{"action_id length", atLimit(255, func(n int) []slack.Block { return actions(button(zh(n), "Go")) }),
		"must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]"},
	{"action_id unique across blocks", oneOf(
		append(actions(button("a", "Go")), actions(button("b", "Go"))...),
		append(actions(button("a", "Go")), actions(button("a", "Go"))...)),
		"must be unique within the message [json-pointer:/blocks/1/elements/0/action_id]"},
	{"button text", atLimit(75, func(n int) []slack.Block { return actions(button("a", zh(n))) }),
		"must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]"},
	{"button value", atLimit(2000, func(n int) []slack.Block {
		b := button("a", "Go")
		b.Value = zh(n)
		return actions(b)
	}), "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]"},
	{"button url", atLimit(3000, func(n int) []slack.Block {
		return actions(button("a", "Go").WithURL("https://example.com/" + strings.Repeat("a", n-len("https://example.com/"))))
	}), "must be less than 3001 characters [json-pointer:/blocks/0/elements/0/url]"},
	{"button style", oneOf(
		actions(button("a", "Go").WithStyle(slack.StylePrimary), button("b", "Go").WithStyle(slack.StyleDanger)),
		actions(button("a", "Go").WithStyle(slack.Style("warning")))),
		`must be one of "primary", "danger" [json-pointer:/blocks/0/elements/0/style]`},
	{"confirm title", atLimit(100, func(n int) []slack.Block { return confirmed(zh(n), "sure?", "Yes", "No") }),
		"must be less than 101 characters [json-pointer:/blocks/0/elements/0/confirm/title/text]"},
	{"confirm text", atLimit(300, func(n int) []slack.Block { return confirmed("Stop?", zh(n), "Yes", "No") }),
		"must be less than 301 characters [json-pointer:/blocks/0/elements/0/confirm/text/text]"},
	{"confirm button", atLimit(30, func(n int) []slack.Block { return confirmed("Stop?", "sure?", zh(n), "No") }),
		"must be less than 31 characters [json-pointer:/blocks/0/elements/0/confirm/confirm/text]"},
	{"deny button", atLimit(30, func(n int) []slack.Block { return confirmed("Stop?", "sure?", "Yes", zh(n)) }),
		"must be less than 31 characters [json-pointer:/blocks/0/elements/0/confirm/deny/text]"},
	{"section text", atLimit(3000, func(n int) []slack.Block { return []slack.Block{section("", zh(n))} }),
		"must be less than 3001 characters [json-pointer:/blocks/0/text/text]"},
	{"actions elements", atLimit(25, func(n int) []slack.Block {
		var els []slack.BlockElement
		for i := range n {
			els = append(els, button(fmt.Sprintf("a%d", i), "Go"))
		}
		return []slack.Block{slack.NewActionBlock("", els...)}
	}), "no more than 25 items allowed [json-pointer:/blocks/0/elements]"},
	{"blocks in a message", atLimit(50, func(n int) []slack.Block {
		var blocks []slack.Block
		for range n {
			blocks = append(blocks, slack.NewDividerBlock())
		}
		return blocks
	}), "no more than 50 items allowed [json-pointer:/blocks]"},
	{"block type", oneOf(
		[]slack.Block{rawBlock(`{"type":"divider"}`)},
		[]slack.Block{rawBlock(`{"type":"banner"}`)}),
		"unsupported type: banner [json-pointer:/blocks/0/type]"},
}

// messageWay is one way a message reaches Slack, taken through slack-go as
// the bot's slackclient takes it.
type messageWay struct {
	name, method string
	// setup runs before the post (chat.update needs a message to update).
	setup func(context.Context, *slack.Client) error
	post  func(ctx context.Context, api *slack.Client, srv *slacktest.Server, opts ...slack.MsgOption) error
	// posted counts what the fake recorded as posted this way.
	posted func(*slacktest.Server) int
	// refused checks the error a refusal gives the client.
	refused func(t *testing.T, err error, want string)
}

var messageWays = []messageWay{
	{name: "chat.postMessage", method: "chat.postMessage",
		post: func(ctx context.Context, api *slack.Client, _ *slacktest.Server, opts ...slack.MsgOption) error {
			_, _, err := api.PostMessageContext(ctx, "C1", opts...)
			return err
		},
		posted:  func(s *slacktest.Server) int { return len(s.Messages()) },
		refused: requireInvalidBlocks},
	{name: "chat.update", method: "chat.update",
		setup: func(ctx context.Context, api *slack.Client) error {
			_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("to be updated", false))
			return err
		},
		post: func(ctx context.Context, api *slack.Client, srv *slacktest.Server, opts ...slack.MsgOption) error {
			_, _, _, err := api.UpdateMessageContext(ctx, "C1", srv.Messages()[0].TS, opts...)
			return err
		},
		posted:  func(s *slacktest.Server) int { return len(s.Messages()[0].Updates) },
		refused: requireInvalidBlocks},
	{name: "chat.postEphemeral", method: "chat.postEphemeral",
		post: func(ctx context.Context, api *slack.Client, _ *slacktest.Server, opts ...slack.MsgOption) error {
			_, err := api.PostEphemeralContext(ctx, "C1", "U1", opts...)
			return err
		},
		posted:  func(s *slacktest.Server) int { return len(s.Ephemerals()) },
		refused: requireInvalidBlocks},
	{name: "response_url", method: "response_url",
		post: func(ctx context.Context, api *slack.Client, srv *slacktest.Server, opts ...slack.MsgOption) error {
			opts = append(opts, slack.MsgOptionResponseURL(responseURL(srv), slack.ResponseTypeEphemeral))
			_, _, _, err := api.SendMessageContext(ctx, "", opts...)
			return err
		},
		posted:  func(s *slacktest.Server) int { return len(s.ResponsePosts()) },
		refused: requireBadRequest},
}

func TestBlockKitLimits(t *testing.T) {
	t.Parallel()
	for _, way := range messageWays {
		for _, limit := range blockLimits {
			for _, past := range []bool{false, true} {
				name := fmt.Sprintf("%s/%s/at the limit", way.name, limit.name)
				if past {
					name = fmt.Sprintf("%s/%s/one past", way.name, limit.name)
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					checkLimit(t, way, limit, past)
				})
			}
		}
	}
}

func checkLimit(t *testing.T, way messageWay, limit blockLimit, past bool) {
	srv, api := newAPI(t, nil)
	ctx := testCtx(t)
	if way.setup != nil {
		require.NoError(t, way.setup(ctx, api))
	}
	err := way.post(ctx, api, srv, slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(limit.blocks(past)...))
	require.Equal(t, 1, srv.Calls(way.method), "the call is counted, refused or not")
	if !past {
		require.NoError(t, err)
		require.Equal(t, 1, way.posted(srv))
		require.Empty(t, srv.Refusals())
		return
	}
	way.refused(t, err, limit.want)
	require.Zero(t, way.posted(srv), "nothing refused is recorded as posted")
	refusals := srv.Refusals()
	require.Len(t, refusals, 1)
	require.Equal(t, way.method, refusals[0].Method)
	require.Equal(t, []string{limit.want}, refusals[0].Errors)
	require.JSONEq(t, string(mustJSON(t, limit.blocks(past))), string(refusals[0].Blocks))
}

// requireInvalidBlocks checks a Web API refusal as slack-go reports it:
// Slack's error code, its reasons and the same reasons as [ERROR] messages.
func requireInvalidBlocks(t *testing.T, err error, want string) {
	t.Helper()
	var se slack.SlackErrorResponse
	require.ErrorAs(t, err, &se)
	require.Equal(t, "invalid_blocks", se.Err)
	require.Len(t, se.Errors, 1)
	require.NotNil(t, se.Errors[0].Message)
	require.Equal(t, want, *se.Errors[0].Message)
	require.Equal(t, []string{"[ERROR] " + want}, se.ResponseMetadata.Messages)
}

// requireBadRequest checks a response_url refusal: HTTP 400.
func requireBadRequest(t *testing.T, err error, _ string) {
	t.Helper()
	var codeErr slack.StatusCodeError
	require.ErrorAs(t, err, &codeErr)
	require.Equal(t, http.StatusBadRequest, codeErr.Code)
}

// The body of a refused response_url post is the error code alone, as
// Slack's hooks answer, whichever client posts.
func TestResponseURLRefusalBody(t *testing.T) {
	t.Parallel()
	srv, _ := newAPI(t, nil)
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	u := responseURL(srv)
	err := slack.PostWebhookCustomHTTPContext(testCtx(t), u, hc, &slack.WebhookMessage{
		Text: "x", Blocks: &slack.Blocks{BlockSet: []slack.Block{section(zh(256), "x")}},
	})
	requireBadRequest(t, err, "")
	status, body := post(t, hc, u, "application/json", `{"text":"x","blocks":[{"type":"divider","block_id":"a"},{"type":"divider","block_id":"a"}]}`)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "invalid_blocks", body)
	require.Empty(t, srv.ResponsePosts())
	require.Len(t, srv.Refusals(), 2)
	require.Equal(t, u, srv.Refusals()[0].URL)
}

// Blocks that are not JSON, or not an array of blocks, cannot come from
// slack-go, so they are posted raw: as a form field and in a JSON body, as
// Slack's Web API accepts both, and to a response_url.
func TestUnreadableBlocksAreRefused(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, blocks, want string }{
		{"not JSON", `[{"type":"divider"}`, "blocks are not valid JSON [json-pointer:/blocks]"},
		{"not an array", `{"type":"divider"}`, "must be an array [json-pointer:/blocks]"},
		{"not an object", `["divider"]`, "must be an object [json-pointer:/blocks/0]"},
		{"no type", `[{"block_id":"a"}]`, "missing required field [json-pointer:/blocks/0/type]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newAPI(t, nil)
			hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
			t.Cleanup(hc.CloseIdleConnections)
			form := url.Values{"token": {srv.BotToken()}, "channel": {"C1"}, "user": {"U1"}, "text": {"x"}, "blocks": {tt.blocks}}
			for _, method := range []string{"chat.postMessage", "chat.postEphemeral"} {
				requireRefusalBody(t, hc, srv.APIURL()+method, "application/x-www-form-urlencoded", form.Encode(), tt.want)
			}
			requireRefusalBody(t, hc, srv.APIURL()+"chat.postMessage?token="+srv.BotToken(), "application/json",
				`{"channel":"C1","text":"x","blocks":`+jsonValue(tt.blocks)+`}`, tt.want)
			status, body := post(t, hc, responseURL(srv), "application/json", `{"text":"x","blocks":`+jsonValue(tt.blocks)+`}`)
			require.Equal(t, http.StatusBadRequest, status)
			require.Equal(t, "invalid_blocks", body)
			require.Empty(t, srv.Messages())
			require.Empty(t, srv.Ephemerals())
			require.Empty(t, srv.ResponsePosts())
			require.Len(t, srv.Refusals(), 4)
		})
	}
}

// Slack cuts a message's top-level text past 40 000 characters; it does not
// refuse it.
func TestLongTextIsCut(t *testing.T) {
	t.Parallel()
	for _, way := range messageWays {
		t.Run(way.name, func(t *testing.T) {
			t.Parallel()
			srv, api := newAPI(t, nil)
			ctx := testCtx(t)
			if way.setup != nil {
				require.NoError(t, way.setup(ctx, api))
			}
			require.NoError(t, way.post(ctx, api, srv, slack.MsgOptionText(zh(40000)+"末", false)))
			require.Equal(t, zh(40000), recordedText(srv, way.method))
		})
	}
}

func recordedText(srv *slacktest.Server, method string) string {
	switch method {
	case "chat.update":
		return srv.Messages()[0].Latest()
	case "chat.postEphemeral":
		return srv.Ephemerals()[0].Text
	case "response_url":
		return srv.ResponsePosts()[0].Text
	}
	return srv.Messages()[0].Text
}

func requireRefusalBody(t *testing.T, hc *http.Client, u, contentType, body, want string) {
	t.Helper()
	status, got := post(t, hc, u, contentType, body)
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, fmt.Sprintf(`{"ok":false,"error":"invalid_blocks","errors":[%q],
		"response_metadata":{"messages":[%q]}}`, want, "[ERROR] "+want), got)
}

func post(t *testing.T, hc *http.Client, u, contentType, body string) (int, string) {
	t.Helper()
	resp, got := rawPost(t, hc, u, contentType, "", body)
	return resp.StatusCode, got
}

// rawPost posts body to u, with token as a Bearer header unless empty.
func rawPost(t *testing.T, hc *http.Client, u, contentType, token, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(testCtx(t), http.MethodPost, u, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	require.NoError(t, err)
	b := new(strings.Builder)
	_, err = io.Copy(b, resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp, b.String()
}

// jsonValue is blocks as a JSON body carries them: as they are when they
// are JSON, else as a string, the only way to put non-JSON in a JSON body.
func jsonValue(blocks string) string {
	if json.Valid([]byte(blocks)) {
		return blocks
	}
	s, _ := json.Marshal(blocks)
	return string(s)
}

// responseURL is a fresh response_url on srv; the fake serves any path
// under /response/, as it cannot know which URLs a payload carried.
func responseURL(srv *slacktest.Server) string {
	return srv.URL() + "/response/T0TEST/7300000000001/" + strings.Repeat("r", 24)
}

func atLimit(limit int, build func(n int) []slack.Block) func(bool) []slack.Block {
	return func(past bool) []slack.Block {
		if past {
			return build(limit + 1)
		}
		return build(limit)
	}
}

func oneOf(ok, bad []slack.Block) func(bool) []slack.Block {
	return func(past bool) []slack.Block {
		if past {
			return bad
		}
		return ok
	}
}

func zh(n int) string { return strings.Repeat("停", n) }

func section(blockID, text string) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil,
		slack.SectionBlockOptionBlockID(blockID))
}

func button(actionID, text string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, "v", slack.NewTextBlockObject(slack.PlainTextType, text, false, false))
}

func actions(els ...slack.BlockElement) []slack.Block {
	return []slack.Block{slack.NewActionBlock("", els...)}
}

func confirmed(title, text, yes, no string) []slack.Block {
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	return actions(button("a", "Stop").WithConfirm(slack.NewConfirmationBlockObject(plain(title), plain(text), plain(yes), plain(no))))
}

// rawBlock is a block slack-go sends as it is, for what slack-go has no
// constructor for.
type rawBlock string

func (b rawBlock) BlockType() slack.MessageBlockType { return "raw" }
func (b rawBlock) ID() string                        { return "" }
func (b rawBlock) MarshalJSON() ([]byte, error)      { return []byte(b), nil }

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}
