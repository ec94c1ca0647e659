package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// fakeRTT is the median round trip of each call a stop command makes, from a
// plain keep-alive HTTP client in this process to the fakes: what the fakes
// and loopback cost, with no bot in the way.
type fakeRTT struct {
	SlackPost, PolyvStop time.Duration
}

// perCommand is the fakes' share of one stop command's path to its outcome:
// the parent post, the Polyv call and the thread reply happen one after
// another, so their round trips add up.
func (f fakeRTT) perCommand() time.Duration { return 2*f.SlackPost + f.PolyvStop }

// calibrate times n calls of each kind against the fakes. The Slack posts go
// to a channel no run reads; the Polyv ids are outside the runs' range.
func calibrate(ctx context.Context, s *slacktest.Server, p *polyvtest.Server, n int) (fakeRTT, error) {
	hc := &http.Client{Timeout: 5 * time.Second}
	var post, stop []time.Duration
	for i := range n {
		d, err := timed(ctx, hc, s.APIURL()+"chat.postMessage", "Bearer "+s.BotToken(),
			url.Values{"channel": {"C0CALIB"}, "text": {"calibration"}})
		if err != nil {
			return fakeRTT{}, fmt.Errorf("calibrate chat.postMessage: %w", err)
		}
		post = append(post, d)
		d, err = timed(ctx, hc, p.URL+"/live/v3/channel/stream/stop-pull-stream", "", signedStop(p, 900000000+int64(i)))
		if err != nil {
			return fakeRTT{}, fmt.Errorf("calibrate stop-pull-stream: %w", err)
		}
		stop = append(stop, d)
	}
	return fakeRTT{SlackPost: summarize(post).P50, PolyvStop: summarize(stop).P50}, nil
}

func signedStop(p *polyvtest.Server, id int64) url.Values {
	params := map[string]string{"appId": p.AppID, "channelId": strconv.FormatInt(id, 10),
		"timestamp": strconv.FormatInt(time.Now().UnixMilli(), 10)}
	params["sign"] = polyv.Sign(params, p.AppSecret)
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	return form
}

// timed posts form to u and returns the round trip, body read.
func timed(ctx context.Context, hc *http.Client, u, authz string, form url.Values) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return time.Since(start), err
}
