package polyv

import (
	"context"
	"encoding/json"
	"fmt"
)

// Cutoff bans pushing to a channel (禁止推流): POST
// {base}/live/v2/stream/{channelId}/cutoff with a signed form of appId,
// timestamp, userId and sign; the channel id is in the path only, and is
// not signed. It ends a stream that an encoder pushes, which StopPullStream
// cannot, and keeps the channel from being pushed to until Resume or until
// Polyv lifts the ban by itself (after 24 hours, by its documentation). The
// live status of a channel cut off most likely reads "banpush" (Polyv does
// not say so).
//
// It succeeds only when Polyv's answer says success in every field that
// carries the outcome, data included: code 200, status "success" and data
// "success" (any letter case); an answer that says success otherwise is
// ErrBadResponse. Without a userId (WithUserID) it returns ErrNoUserID and
// sends nothing. Retries, CallStats and the dry run are as for
// StopPullStream: a cutoff retried after an answer that never came cannot
// ban twice, but its refusal may only mean that the first attempt worked.
func (c *Client) Cutoff(ctx context.Context, channelID int64) (CallStats, error) {
	return c.pushBan(ctx, epCutoff, channelID)
}

// Resume lifts a Cutoff: POST {base}/live/v2/stream/{channelId}/resume with
// the same form, the same rule for success and the same retries. An encoder
// still pushing goes live again.
func (c *Client) Resume(ctx context.Context, channelID int64) (CallStats, error) {
	return c.pushBan(ctx, epResume, channelID)
}

// CheckUserID proves, without changing anything, that the userId
// (WithUserID) is the one of the account the appId belongs to: GET
// {base}/live/v3/user/get-info takes no userId and answers the account's.
// A different one is ErrWrongUserID; the error shows both only shortened.
// Without a userId it returns ErrNoUserID and sends nothing. Polyv's
// refusals are *APIError values as for any call.
func (c *Client) CheckUserID(ctx context.Context) error {
	op := epUserInfo.op
	if isBlank(c.userID) {
		return noUserID(op)
	}
	var got string
	_, err := c.run(ctx, call{ep: epUserInfo, decode: func(status int, body []byte) error {
		var err error
		got, err = decodeUserID(status, body, c.redact)
		return err
	}})
	switch {
	case err != nil:
		return err
	case got != c.userID:
		return &kindError{op: op, kind: ErrWrongUserID.(*kind), msg: fmt.Sprintf(
			"the appId's account has userId %s, not %s", shortUserID(keep(got, maxField, c.redact)), shortUserID(c.userID))}
	}
	return nil
}

// pushBan makes a Cutoff or a Resume of channelID.
func (c *Client) pushBan(ctx context.Context, ep *endpoint, channelID int64) (CallStats, error) {
	if err := checkID(channelID); err != nil {
		return CallStats{}, err
	}
	if isBlank(c.userID) {
		return CallStats{}, noUserID(ep.op)
	}
	return c.act(ctx, call{
		ep:      ep,
		channel: channelID,
		params:  map[string]string{"userId": c.userID},
		decode: func(status int, body []byte) error {
			return decodeDone(ep.op, status, body, c.redact)
		},
	})
}

// noUserID is the error for a call that needs a userId the client lacks.
func noUserID(op string) error {
	return &kindError{op: op, kind: ErrNoUserID.(*kind), msg: "no userId set (WithUserID), so nothing was sent"}
}

// decodeDone reads the answer of a call whose success says "success" in
// its data too, as Polyv's Java SDK requires ("success".equals(data)). The
// letter case is free, as for status: Polyv answers "SUCCESS" elsewhere.
func decodeDone(op string, httpStatus int, body []byte, redact func(string) string) error {
	data, err := decodeResponse(op, httpStatus, body, redact)
	if err != nil {
		return err
	}
	var said string
	if json.Unmarshal(data, &said) == nil && equalFoldASCII(said, "success") {
		return nil
	}
	shown := "no data"
	if len(data) > 0 {
		shown = "data " + keep(string(data), maxField, redact)
	}
	return &APIError{
		HTTPStatus: httpStatus, Code: 200, Op: op, kind: ErrBadResponse.(*kind),
		Message: "contradictory answer: code 200 but " + shown,
	}
}

// decodeUserID reads the account's userId from an answer of user-info.
// The rest of the answer (the account's email, its channel quota) is not
// kept.
func decodeUserID(httpStatus int, body []byte, redact func(string) string) (string, error) {
	op := epUserInfo.op
	data, err := decodeResponse(op, httpStatus, body, redact)
	if err != nil {
		return "", err
	}
	var d struct {
		UserID *string `json:"userId"`
	}
	if json.Unmarshal(data, &d) != nil || d.UserID == nil {
		return "", dataError(op, httpStatus, "no userId in the account's answer")
	}
	if which := userKeys.repeated(data); which != "" {
		return "", repeatedKeyError(op, httpStatus, inData(which), body, redact)
	}
	return *d.UserID, nil
}

// shortUserID shows a userId in part ("1b…23"): enough to tell two apart in
// a log or an error, without writing it out.
func shortUserID(id string) string {
	r := []rune(clean(id))
	if len(r) <= 6 {
		return "…"
	}
	return string(r[:2]) + "…" + string(r[len(r)-2:])
}
