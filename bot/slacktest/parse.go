package slacktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
)

// parseBody turns a Web API request body into url.Values. Form bodies are
// decoded as they are; a JSON object is flattened one level, string values
// kept as they are and anything else kept as its JSON text. Bodies that are
// neither yield no values rather than an error, as Slack then answers with
// the method's own complaint (no_text, channel_not_found).
func parseBody(contentType string, body []byte) url.Values {
	mediaType, _, _ := mime.ParseMediaType(contentType)
	if mediaType == "application/json" {
		return flattenJSON(body)
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return url.Values{}
	}
	return v
}

func flattenJSON(body []byte) url.Values {
	out := url.Values{}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return out
	}
	for k, raw := range obj {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			out.Set(k, s)
			continue
		}
		out.Set(k, string(bytes.TrimSpace(raw)))
	}
	return out
}

// parseAck decodes a frame a client sent over the socket as an ack. The
// payload is kept raw; a JSON null payload counts as none.
func parseAck(frame []byte) (envelopeID string, payload json.RawMessage, err error) {
	var a struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(frame, &a); err != nil {
		return "", nil, fmt.Errorf("decoding ack: %w", err)
	}
	if a.EnvelopeID == "" {
		return "", nil, fmt.Errorf("decoding ack: no envelope_id")
	}
	if p := bytes.TrimSpace(a.Payload); len(p) == 0 || bytes.Equal(p, []byte("null")) {
		return a.EnvelopeID, nil, nil
	}
	return a.EnvelopeID, a.Payload, nil
}

// envelopeHeader is what the server reads of a frame a test hands SendRaw.
type envelopeHeader struct {
	EnvelopeID   string `json:"envelope_id"`
	Type         string `json:"type"`
	RetryAttempt int    `json:"retry_attempt"`
	RetryReason  string `json:"retry_reason"`
}

// parseEnvelopeHeader reads the envelope fields of a raw frame; tests send
// malformed frames on purpose. Invalid JSON yields nothing; a field of the
// wrong type is skipped and the others are kept, as encoding/json does.
func parseEnvelopeHeader(frame []byte) envelopeHeader {
	var h envelopeHeader
	_ = json.Unmarshal(frame, &h)
	return h
}

// responseBody is what slack-go and Slack's webhooks post to a response_url.
type responseBody struct {
	Text            string          `json:"text"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
	Blocks          json.RawMessage `json:"blocks"`
}

// parseResponseBody decodes a response_url post.
func parseResponseBody(body []byte) (responseBody, error) {
	var b responseBody
	if err := json.Unmarshal(body, &b); err != nil {
		return b, fmt.Errorf("decoding response_url body: %w", err)
	}
	if bytes.Equal(bytes.TrimSpace(b.Blocks), []byte("null")) {
		b.Blocks = nil
	}
	return b, nil
}
