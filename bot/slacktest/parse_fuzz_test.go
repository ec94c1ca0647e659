package slacktest

// The parsers are unexported, so their fuzz targets live inside the package;
// the behavioural tests are in package slacktest_test.

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, contentType, body string
		want                    url.Values
	}{
		{"form", "application/x-www-form-urlencoded", "channel=C1&text=a%26b", url.Values{"channel": {"C1"}, "text": {"a&b"}}},
		{"json strings and others", "application/json; charset=utf-8", `{"channel":"C1","unfurl":false,"blocks":[{"type":"x"}]}`,
			url.Values{"channel": {"C1"}, "unfurl": {"false"}, "blocks": {`[{"type":"x"}]`}}},
		{"json not an object", "application/json", `[1,2]`, url.Values{}},
		{"bad form", "", "%zz", url.Values{}},
		{"empty", "", "", url.Values{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, parseBody(tt.contentType, []byte(tt.body)))
		})
	}
}

func TestParseAck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, frame, wantID, wantPayload string
		wantErr                          bool
	}{
		{"bare", `{"envelope_id":"e1"}`, "e1", "", false},
		{"null payload", `{"envelope_id":"e1","payload":null}`, "e1", "", false},
		{"payload", `{"envelope_id":"e1","payload":{"text":"hi"}}`, "e1", `{"text":"hi"}`, false},
		{"no id", `{"payload":{}}`, "", "", true},
		{"not json", `hello`, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, payload, err := parseAck([]byte(tt.frame))
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantID, id)
			require.Equal(t, tt.wantPayload, string(payload))
		})
	}
}

func TestParseEnvelopeHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, frame string
		want        envelopeHeader
	}{
		{"slash command", `{"envelope_id":"e1","type":"slash_commands","payload":{},"retry_attempt":0,"retry_reason":""}`,
			envelopeHeader{EnvelopeID: "e1", Type: "slash_commands"}},
		{"event retry", `{"envelope_id":"e2","type":"events_api","retry_attempt":2,"retry_reason":"timeout"}`,
			envelopeHeader{EnvelopeID: "e2", Type: "events_api", RetryAttempt: 2, RetryReason: "timeout"}},
		{"wrong type keeps the rest", `{"envelope_id":"e3","type":7,"retry_attempt":"1"}`, envelopeHeader{EnvelopeID: "e3"}},
		{"truncated", `{"envelope_id":"e4","payload":`, envelopeHeader{}},
		{"not an object", `[1]`, envelopeHeader{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, parseEnvelopeHeader([]byte(tt.frame)))
		})
	}
}

func FuzzParseEnvelopeHeader(f *testing.F) {
	f.Add([]byte(`{"envelope_id":"e1","type":"events_api","retry_attempt":1,"retry_reason":"timeout"}`))
	f.Add([]byte(`{"envelope_id":"e1","type":"slash_commands","payload":`))
	f.Fuzz(func(t *testing.T, frame []byte) {
		h := parseEnvelopeHeader(frame)
		if !json.Valid(frame) {
			require.Zero(t, h, "invalid JSON yields nothing")
		}
	})
}

func FuzzParseBody(f *testing.F) {
	f.Add("application/json", []byte(`{"text":"x","n":1}`))
	f.Add("application/x-www-form-urlencoded", []byte("token=a&text=b"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		v := parseBody(contentType, body)
		require.NotNil(t, v)
		if contentType == "application/json" {
			var obj map[string]json.RawMessage
			if json.Unmarshal(body, &obj) == nil {
				require.Len(t, v, len(obj), "every JSON key must be kept")
			}
		}
	})
}

func FuzzParseAck(f *testing.F) {
	f.Add([]byte(`{"envelope_id":"e1","payload":{"text":"hi","response_type":"ephemeral"}}`))
	f.Add([]byte(`{"envelope_id":"e1"}`))
	f.Fuzz(func(t *testing.T, frame []byte) {
		id, payload, err := parseAck(frame)
		if err != nil {
			require.Empty(t, id)
			return
		}
		require.NotEmpty(t, id)
		if payload != nil {
			require.True(t, json.Valid(payload), "payload %q", payload)
			_, _ = Ack{EnvelopeID: id, Payload: payload}.Text()
		}
	})
}

func FuzzParseResponseBody(f *testing.F) {
	f.Add([]byte(`{"text":"done","response_type":"ephemeral","replace_original":true,"blocks":[]}`))
	f.Add([]byte(`{"blocks":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := parseResponseBody(body)
		if err != nil {
			return
		}
		if b.Blocks != nil {
			require.True(t, json.Valid(b.Blocks))
		}
	})
}
