package slackclient

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/slack-go/slack"
)

// FatalError is a Slack failure that retrying cannot fix: a token is wrong,
// revoked or of the wrong kind, or SLACK_API_URL does not serve Slack.
type FatalError struct {
	Op, SlackError, Why string
}

func (e *FatalError) Error() string {
	return fmt.Sprintf("slack %s: %s: %s; fix the token in the configuration and restart", e.Op, e.SlackError, e.Why)
}

// fatalSlackErrors are answers that no retry can fix, and why.
var fatalSlackErrors = map[string]string{
	"invalid_auth":           "the token is not valid",
	"not_authed":             "no token was sent",
	"account_inactive":       "the token's app or user was deactivated",
	"token_revoked":          "the token was revoked",
	"token_expired":          "the token expired",
	"not_allowed_token_type": "the token is of the wrong type (SLACK_APP_TOKEN must be xapp-…, SLACK_BOT_TOKEN xoxb-…)",
	"invalid_token":          "the token is malformed",
	"missing_scope":          "the token lacks a scope (the app token needs connections:write)",
}

// AsFatal returns a *FatalError for op when err is an answer no retry can
// fix, and nil otherwise.
func AsFatal(op string, err error) error {
	if err == nil {
		return nil
	}
	code := ErrorCode(err)
	if code == "" {
		code = err.Error()
	}
	if why, ok := fatalSlackErrors[code]; ok {
		return &FatalError{Op: op, SlackError: code, Why: why}
	}
	return nil
}

// fatalRunError is the *FatalError for what slack-go's RunContext returned,
// or nil when another attempt may work.
func fatalRunError(err error) error {
	if fatal := AsFatal("apps.connections.open (SLACK_APP_TOKEN)", err); fatal != nil {
		return fatal
	}
	var sce slack.StatusCodeError
	if errors.As(err, &sce) && sce.Code == http.StatusNotFound {
		return &FatalError{Op: "apps.connections.open", SlackError: "HTTP 404", Why: "SLACK_API_URL does not serve the Slack Web API"}
	}
	return nil
}
