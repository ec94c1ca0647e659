// Command baseline is the smallest Slack Socket Mode bot that does what
// polyvbot does on its happy path, kept so the load tool can show what
// polyvbot's features cost: it acks each /polyv slash command, posts a parent
// message, sends Polyv's signed stop-pull-stream call and posts the outcome in
// the parent's thread. It has no permission checks, limits, audit, retries,
// confirmation, verification or graceful drain, and it is not meant to be run
// against real Slack.
//
// It reads the same variables as polyvbot: SLACK_APP_TOKEN, SLACK_BOT_TOKEN,
// SLACK_API_URL, POLYV_APP_ID, POLYV_APP_SECRET and POLYV_API_URL. It exits
// on SIGTERM or SIGINT.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/polyvbot/polyvbot/polyv"
)

const stopPath = "/live/v3/channel/stream/stop-pull-stream"

// baseline holds the two clients; it is otherwise stateless.
type baseline struct {
	api                   *slack.Client
	sm                    *socketmode.Client
	hc                    *http.Client
	polyvURL, appID, secr string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	api := slack.New(os.Getenv("SLACK_BOT_TOKEN"),
		slack.OptionAppLevelToken(os.Getenv("SLACK_APP_TOKEN")),
		slack.OptionAPIURL(os.Getenv("SLACK_API_URL")))
	b := &baseline{
		api: api, sm: socketmode.New(api), hc: &http.Client{Timeout: 10 * time.Second},
		polyvURL: strings.TrimSuffix(os.Getenv("POLYV_API_URL"), "/"),
		appID:    os.Getenv("POLYV_APP_ID"), secr: os.Getenv("POLYV_APP_SECRET"),
	}
	go b.events(ctx)
	// RunContext returns only with an error; after SIGTERM that is expected.
	if err := b.sm.RunContext(ctx); ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}

func (b *baseline) events(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case evt := <-b.sm.Events:
			cmd, ok := evt.Data.(slack.SlashCommand)
			if evt.Type != socketmode.EventTypeSlashCommand || !ok || evt.Request == nil {
				continue
			}
			b.sm.Ack(*evt.Request)
			go b.handle(ctx, cmd)
		}
	}
}

// handle posts the parent, calls Polyv and posts the outcome in the thread.
func (b *baseline) handle(ctx context.Context, cmd slack.SlashCommand) {
	f := strings.Fields(cmd.Text)
	if len(f) < 2 || f[0] != "stop" {
		return
	}
	id, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return
	}
	_, ts, err := b.api.PostMessageContext(ctx, cmd.ChannelID,
		slack.MsgOptionText(fmt.Sprintf("🛑 <@%s> is stopping Polyv channel %d", cmd.UserID, id), false))
	if err != nil {
		return
	}
	line := fmt.Sprintf("✅ Polyv channel %d: stopped", id)
	if err := b.stop(ctx, id); err != nil {
		line = fmt.Sprintf("❌ Polyv channel %d: %v", id, err)
	}
	_, _, _ = b.api.PostMessageContext(ctx, cmd.ChannelID, slack.MsgOptionText(line, false), slack.MsgOptionTS(ts))
}

// stop sends the signed form and treats any 200 as success.
func (b *baseline) stop(ctx context.Context, id int64) error {
	p := map[string]string{
		"appId": b.appID, "channelId": strconv.FormatInt(id, 10),
		"timestamp": strconv.FormatInt(time.Now().UnixMilli(), 10),
	}
	p["sign"] = polyv.Sign(p, b.secr)
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.polyvURL+stopPath, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}
