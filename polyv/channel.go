package polyv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// ChannelInfo is what the client keeps of a channel's basic information.
// Name and Publisher are as Polyv sent them, made safe to keep but not
// escaped for any medium: valid UTF-8, without control or invisible format
// characters (bidi overrides, zero-width spaces), the appSecret redacted,
// at most MaxNameBytes long.
type ChannelInfo struct {
	ID        int64
	Name      string // the channel's title as the console shows it; "" when Polyv gave none
	Publisher string // the host's name; "" when Polyv gave none
}

// MaxNameBytes bounds ChannelInfo.Name and Publisher, an ellipsis included.
const MaxNameBytes = 200

// ChannelInfo returns a channel's name and host: GET
// {base}/live/v3/channel/basic/get?channelId=…. A channel Polyv does not know
// is ErrChannelNotFound, whether Polyv refuses it or answers success without
// any data. An answer about another channel, or one that gives channelId,
// name or publisher twice, is ErrBadResponse. The rest of the answer
// (the channel's password, its viewing keys) is neither kept nor quoted in
// errors. A read: retried like LiveStatus, run in a dry run too.
func (c *Client) ChannelInfo(ctx context.Context, channelID int64) (ChannelInfo, error) {
	return c.channelInfo(ctx, channelID, patience{attempts: c.attempts})
}

// TryChannelInfo is ChannelInfo for a caller that can do without the answer
// (the bot's channel names): like TryLiveStatus it makes one attempt, and
// only if a limiter token is free now; otherwise it sends nothing and
// returns a *LimitError at once, so that a name never holds a token a stop
// is waiting for.
func (c *Client) TryChannelInfo(ctx context.Context, channelID int64) (ChannelInfo, error) {
	return c.channelInfo(ctx, channelID, patience{attempts: 1, now: true})
}

func (c *Client) channelInfo(ctx context.Context, channelID int64, p patience) (ChannelInfo, error) {
	if err := checkID(channelID); err != nil {
		return ChannelInfo{}, err
	}
	var info ChannelInfo
	_, err := c.runWith(ctx, call{
		ep:     epInfo,
		params: map[string]string{"channelId": strconv.FormatInt(channelID, 10)},
		decode: func(status int, body []byte) error {
			var err error
			info, err = decodeChannelInfo(channelID, status, body, c.redact)
			return err
		},
	}, p)
	return info, err
}

// StreamType is how a channel gets its video, as Polyv reports it: pushed by
// an encoder ("client"), pulled from a source ("pull", "thirdpull"), played
// from a stored video ("disk"), or audio only ("audio"). Like LiveStatus,
// the documented values compare in any ASCII letter case but otherwise as
// sent: anything else, "" included, is neither Pushed nor Pulled.
type StreamType string

// The streamType values Polyv documents.
const (
	StreamClient    StreamType = "client"
	StreamPull      StreamType = "pull"
	StreamThirdPull StreamType = "thirdpull"
	StreamDisk      StreamType = "disk"
	StreamAudio     StreamType = "audio"
)

// Pushed reports whether an encoder pushes the stream ("client"): a pull
// stop cannot end it, a Cutoff can.
func (t StreamType) Pushed() bool { return t.canonical() == StreamClient }

// Pulled reports whether Polyv pulls the stream from a source ("pull",
// "thirdpull"): what StopPullStream ends.
func (t StreamType) Pulled() bool {
	st := t.canonical()
	return st == StreamPull || st == StreamThirdPull
}

// Shown is t fit to show: a documented value as documented, anything else
// cleaned (no control or invisible characters) and cut to 40 bytes, "" for
// none. What it means in words is the caller's to say.
func (t StreamType) Shown() string {
	if st := t.canonical(); st.documented() {
		return string(st)
	}
	return sanitize(string(t), maxShownStatus)
}

// StreamType returns how a channel gets its video: GET
// {base}/live/v3/channel/stream/get?channelId=…. Only the streamType is
// kept: the pull URL can carry a source's credentials, and is never quoted.
// A channel Polyv does not know is ErrChannelNotFound as for ChannelInfo;
// an answer giving streamType twice is ErrBadResponse. A read: retried like
// LiveStatus, run in a dry run too.
func (c *Client) StreamType(ctx context.Context, channelID int64) (StreamType, error) {
	if err := checkID(channelID); err != nil {
		return "", err
	}
	var st StreamType
	_, err := c.run(ctx, call{
		ep:     epStreamType,
		params: map[string]string{"channelId": strconv.FormatInt(channelID, 10)},
		decode: func(status int, body []byte) error {
			var err error
			st, err = decodeStreamType(status, body, c.redact)
			return err
		},
	})
	return st, err
}

// decodeChannelInfo reads an answer of basic/get about channel id.
func decodeChannelInfo(id int64, httpStatus int, body []byte, redact func(string) string) (ChannelInfo, error) {
	op := epInfo.op
	data, err := channelData(op, httpStatus, body, redact)
	if err != nil {
		return ChannelInfo{}, err
	}
	var d struct {
		ChannelID flexInt `json:"channelId"`
		Name      string  `json:"name"`
		Publisher string  `json:"publisher"`
	}
	if json.Unmarshal(data, &d) != nil {
		return ChannelInfo{}, dataError(op, httpStatus, "data is not a channel's information")
	}
	if which := infoKeys.repeated(data); which != "" {
		return ChannelInfo{}, repeatedKeyError(op, httpStatus, inData(which), body, redact)
	}
	if d.ChannelID != 0 && int64(d.ChannelID) != id {
		return ChannelInfo{}, dataError(op, httpStatus, fmt.Sprintf("asked for channel %d, answered about channel %d", id, d.ChannelID))
	}
	return ChannelInfo{ID: id, Name: keepName(d.Name, redact), Publisher: keepName(d.Publisher, redact)}, nil
}

// decodeStreamType reads an answer of stream/get.
func decodeStreamType(httpStatus int, body []byte, redact func(string) string) (StreamType, error) {
	op := epStreamType.op
	data, err := channelData(op, httpStatus, body, redact)
	if err != nil {
		return "", err
	}
	var d struct {
		StreamType string `json:"streamType"`
	}
	if json.Unmarshal(data, &d) != nil {
		return "", dataError(op, httpStatus, "data is not a channel's stream settings")
	}
	if which := streamKeys.repeated(data); which != "" {
		return "", repeatedKeyError(op, httpStatus, inData(which), body, redact)
	}
	if st := StreamType(d.StreamType).canonical(); st.documented() {
		return st, nil
	}
	return StreamType(asSent(d.StreamType, redact)), nil
}

// channelData is the data of a success about one channel. A success
// without data (null or absent) says nothing about a channel Polyv knows:
// it is taken for a channel Polyv does not know.
func channelData(op string, httpStatus int, body []byte, redact func(string) string) (json.RawMessage, error) {
	data, err := decodeResponse(op, httpStatus, body, redact)
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimSpace(data); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return nil, &APIError{HTTPStatus: httpStatus, Code: 200, Op: op, kind: ErrChannelNotFound.(*kind),
			Message: "a success without data"}
	}
	return data, nil
}

// keepName makes a name Polyv sent fit to keep (see ChannelInfo).
func keepName(s string, redact func(string) string) string {
	s = keep(s, maxBodyBytes, redact) // cleaned, not cut yet: a body is never longer
	if len(s) <= MaxNameBytes {
		return s
	}
	return cut(s, MaxNameBytes-len("…"))
}

// documented reports whether t is one of the values Polyv documents, in
// any letter case.
func (t StreamType) documented() bool {
	switch t.canonical() {
	case StreamClient, StreamPull, StreamThirdPull, StreamDisk, StreamAudio:
		return true
	}
	return false
}

// canonical returns the documented value t spells in another letter case,
// or t itself.
func (t StreamType) canonical() StreamType {
	for _, d := range [...]StreamType{StreamClient, StreamPull, StreamThirdPull, StreamDisk, StreamAudio} {
		if equalFoldASCII(string(t), string(d)) {
			return d
		}
	}
	return t
}
