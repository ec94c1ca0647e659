package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/polyvbot/polyvbot/polyv"
	"github.com/slack-go/slack/slackutilsx"
)

// explain turns the result of a Polyv call into words a responder can act on
// at 3 a.m. It never claims success for an error and never repeats a secret:
// Polyv's own message is included only through the typed error, whose text the
// polyv package already sanitised.
func explain(err error, timeout time.Duration) string {
	var limit *polyv.LimitError
	switch {
	case err == nil:
		return "stopped"
	case errors.As(err, &limit):
		return fmt.Sprintf("not sent: the bot's own Polyv call budget (RATE_LIMIT_PER_MINUTE) is used up; retry in %s", roundUp(limit.Wait))
	case errors.Is(err, polyv.ErrInvalidSignature):
		return "Polyv rejected the signature: check POLYV_APP_SECRET (and POLYV_SIGNATURE_METHOD) in the bot's configuration"
	case errors.Is(err, polyv.ErrInvalidTimestamp):
		return "Polyv rejected the timestamp: the bot host's clock is off by more than 3 minutes; fix NTP on the host and retry"
	case errors.Is(err, polyv.ErrAppNotFound):
		return "Polyv does not know this application: check POLYV_APP_ID in the bot's configuration"
	case errors.Is(err, polyv.ErrChannelNotFound):
		return "Polyv says this channel does not exist: check the channel id in the Polyv console"
	case errors.Is(err, polyv.ErrQuotaExceeded):
		return "Polyv's rate limit was hit (it blocks the IP for 5 minutes): retry in 5 minutes, and check what else calls Polyv from this IP"
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("Polyv did not answer within POLYV_TIMEOUT (%s): the stream may or may not be stopped; check with `status` before retrying", timeout)
	case errors.Is(err, context.Canceled):
		return "the bot was shutting down before Polyv answered: the stream may or may not be stopped; check with `status`"
	case errors.Is(err, polyv.ErrServer):
		return "Polyv had a server error (retried): the stream is probably not stopped; retry in a minute or use the Polyv console"
	case errors.Is(err, polyv.ErrRedirect):
		return "nothing was sent to Polyv: its address answered with a redirect" + polyvWords(err) + "; POLYV_API_URL must be Polyv's API address itself"
	case errors.Is(err, polyv.ErrBadResponse):
		return "the bot cannot read Polyv's answer as a success" + polyvWords(err) + ": the stream may or may not be stopped; check with `status`"
	}
	var apiErr *polyv.APIError
	if errors.As(err, &apiErr) {
		return fmt.Sprintf("Polyv refused: %s (code %d)", slackutilsx.EscapeMessage(apiErr.Message), apiErr.Code)
	}
	return "could not reach Polyv (network error, retried): the stream is probably not stopped; retry, or use the Polyv console"
}

// polyvWords quotes what Polyv said, escaped, in parentheses; "" when it
// said nothing the client kept.
func polyvWords(err error) string {
	var apiErr *polyv.APIError
	if !errors.As(err, &apiErr) || apiErr.Message == "" {
		return ""
	}
	return " (" + slackutilsx.EscapeMessage(apiErr.Message) + ")"
}

// roundUp shows a wait in whole seconds as a person says it ("12 seconds",
// "1 minute"), never "0s".
func roundUp(d time.Duration) string {
	s := (d + time.Second - 1) / time.Second
	if s < 1 {
		s = 1
	}
	return humanDuration(s * time.Second)
}
