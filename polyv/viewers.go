package polyv

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// RealtimeViewers returns how many watch each channel now: GET
// {base}/live/v2/statistics/get-realtime-viewers?channelIds=a,b, one call
// for up to 200 channels (Polyv documents no limit; 200 is live-status's).
// Duplicate ids are removed; ids outside 1..2147483647, no ids or more than
// 200 are rejected before any request.
//
// Polyv answers, for each channel, the counts of the last minutes (one
// every 10 seconds), newest first; the first row of a channel is its count
// now. A channel without a row is not in the map. A count is a JSON number
// or a string of ASCII digits ("1234"); any other count (empty, signed,
// fractional, spaced, null, missing) makes the answer unreadable
// (ErrBadResponse), never 0, and so does a row that gives channelId or
// count twice. A read: retried like LiveStatus, run in a dry run too.
func (c *Client) RealtimeViewers(ctx context.Context, channelIDs ...int64) (map[int64]int, error) {
	ids, err := joinIDs(epViewers.op, channelIDs)
	if err != nil {
		return nil, err
	}
	var out map[int64]int
	_, err = c.run(ctx, call{
		ep:     epViewers,
		params: map[string]string{"channelIds": ids},
		decode: func(status int, body []byte) error {
			var err error
			out, err = decodeViewers(status, body, c.redact)
			return err
		},
	})
	return out, err
}

// decodeViewers reads an answer of get-realtime-viewers.
func decodeViewers(httpStatus int, body []byte, redact func(string) string) (map[int64]int, error) {
	op := epViewers.op
	data, err := decodeResponse(op, httpStatus, body, redact)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ChannelID flexInt         `json:"channelId"`
		Count     json.RawMessage `json:"count"`
	}
	if json.Unmarshal(data, &rows) != nil {
		return nil, unreadable(op, httpStatus, body, redact)
	}
	if which := viewerKeys.inRows(data); which != "" {
		return nil, repeatedKeyError(op, httpStatus, which, body, redact)
	}
	out := make(map[int64]int, len(rows))
	for i, r := range rows {
		n, ok := viewerCount(r.Count)
		if !ok {
			return nil, dataError(op, httpStatus, fmt.Sprintf("data[%d].count is %s, not a number of viewers", i, showRaw(r.Count, redact)))
		}
		id := int64(r.ChannelID)
		if _, seen := out[id]; seen || id <= 0 || id > math.MaxInt32 {
			continue // an older count, or a row that names no channel
		}
		out[id] = n
	}
	return out, nil
}

// viewerCount reads a count as sent: a JSON number or string made of ASCII
// digits only, short enough to be a count.
func viewerCount(raw json.RawMessage) (int, bool) {
	s := string(raw)
	if len(s) > 0 && s[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
	}
	if s == "" || len(s) > 12 {
		return 0, false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// showRaw shows a JSON value from an answer in an error: cleaned, cut, the
// secret redacted; "missing" for none.
func showRaw(raw json.RawMessage, redact func(string) string) string {
	if len(raw) == 0 {
		return "missing"
	}
	return keep(string(raw), maxField, redact)
}
