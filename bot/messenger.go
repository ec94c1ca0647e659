package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/slack-go/slack"
)

// msgRef is where a parent message went: a real message with a ts (so it can
// have a thread and be updated), or, where the bot is not in the channel, an
// in-channel post through the command's response_url, which has neither.
type msgRef struct {
	Channel     string
	TS          string
	ResponseURL string
	Link        string // permalink of the parent, when known
	// announced: the parent went through response_url because the bot is
	// not in the channel, so the channel saw the announcement.
	announced bool
}

func (r msgRef) threaded() bool { return r.TS != "" }

// messenger posts to Slack. Text handed to it is final: user input in it was
// escaped by the caller, and no option that expands names (link_names,
// parse=full) is ever set.
type messenger struct {
	api     *slack.Client
	log     *slog.Logger
	teamURL string // "https://team.slack.com/", from auth.test; empty when unknown
}

// errNotInChannel marks answers that mean the bot cannot post in a channel.
func isNotInChannel(err error) bool {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "not_in_channel", "channel_not_found", "is_archived", "restricted_action":
			return true
		}
	}
	return false
}

// postParent posts the message that opens an action's thread. Where the bot
// cannot post in the channel it falls back to the command's response_url, so
// the action is still visible to everyone there.
func (m *messenger) postParent(ctx context.Context, channel, responseURL, text string) (msgRef, error) {
	_, ts, err := m.api.PostMessageContext(ctx, channel, textOptions(text)...)
	if err == nil {
		return msgRef{Channel: channel, TS: ts, ResponseURL: responseURL, Link: m.permalink(channel, ts)}, nil
	}
	if !isNotInChannel(err) || responseURL == "" {
		return msgRef{Channel: channel, ResponseURL: responseURL}, fmt.Errorf("post parent in %s: %w", channel, err)
	}
	m.log.Info("bot is not in the channel; using response_url", "channel", channel, "slack_error", err.Error())
	hint := text + "\n_Invite the bot (`/invite @polyvbot`) to get a threaded audit trail here._"
	ref := msgRef{Channel: channel, ResponseURL: responseURL, announced: true}
	return ref, m.respond(ctx, responseURL, slack.ResponseTypeInChannel, hint)
}

// reply posts in the parent's thread.
func (m *messenger) reply(ctx context.Context, parent msgRef, text string) error {
	opts := append(textOptions(text), slack.MsgOptionTS(parent.TS))
	_, _, err := m.api.PostMessageContext(ctx, parent.Channel, opts...)
	return err
}

// update rewrites the parent so the channel shows the result at a glance.
func (m *messenger) update(ctx context.Context, parent msgRef, text string) error {
	if !parent.threaded() {
		return nil
	}
	_, _, _, err := m.api.UpdateMessageContext(ctx, parent.Channel, parent.TS, textOptions(text)...)
	return err
}

// deliver gets text to the person who ran the command by the first way that
// works: the command's response_url (as responseType: ephemeral for a private
// answer, in_channel for an outcome the channel should see), then
// chat.postEphemeral in the channel, then a direct message (chat.postMessage
// to the user's ID, which lands in the app's Messages tab). It returns an
// error only when every way failed.
func (m *messenger) deliver(ctx context.Context, responseURL, responseType, channel, user, text string) error {
	var errs []error
	if responseURL != "" {
		err := m.respond(ctx, responseURL, responseType, text)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("response_url: %w", err))
	}
	_, err := m.api.PostEphemeralContext(ctx, channel, user, textOptions(text)...)
	if err == nil {
		return nil
	}
	errs = append(errs, fmt.Errorf("chat.postEphemeral: %w", err))
	if _, _, err = m.api.PostMessageContext(ctx, user, textOptions(text)...); err == nil {
		return nil
	}
	errs = append(errs, fmt.Errorf("direct message: %w", err))
	m.log.Warn("answer to the requester failed every way", "channel", channel, "user", user, "err", errors.Join(errs...))
	return errors.Join(errs...)
}

// post posts a stand-alone message (the audit channel).
func (m *messenger) post(ctx context.Context, channel, text string) error {
	_, _, err := m.api.PostMessageContext(ctx, channel, textOptions(text)...)
	return err
}

func (m *messenger) respond(ctx context.Context, responseURL, responseType, text string) error {
	_, _, _, err := m.api.SendMessageContext(ctx, "", slack.MsgOptionResponseURL(responseURL, responseType),
		slack.MsgOptionText(text, false))
	return err
}

// permalink builds the link to a message from the workspace URL, which saves a
// chat.getPermalink call per action.
func (m *messenger) permalink(channel, ts string) string {
	if m.teamURL == "" || ts == "" {
		return ""
	}
	return strings.TrimSuffix(m.teamURL, "/") + "/archives/" + channel + "/p" + strings.Replace(ts, ".", "", 1)
}

func textOptions(text string) []slack.MsgOption {
	return []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionDisableLinkUnfurl()}
}
