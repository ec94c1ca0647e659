package bot

import (
	"context"
	"errors"
	"strings"

	"github.com/polyvbot/polyvbot/auth"
)

// The wording of the policy's rulings: auth says who may not and why, in
// IDs and errors; these functions say it to the person who asked.

// deniedText answers a denial privately.
func (wd words) deniedText(r auth.Ruling) string {
	return wd.f("🚫 Not allowed: %s Nothing was sent to Polyv.", wd.sentence(wd.denialReason(r)))
}

// maxLookupCause bounds the quoted cause of a failed group lookup: 200
// characters and "…".
const maxLookupCause = 201

// denialReason says why the policy said no and who can change that. It
// names IDs only, never a display name.
func (wd words) denialReason(r auth.Ruling) string {
	switch {
	case r.Denial == auth.DenyChannel:
		return wd.f("commands are accepted only in %s", channelMentions(r.Channels))
	case r.Denial == auth.DenyLookup:
		return wd.f("your membership of %s could not be verified (%s); ask an admin to check "+
			"the bot's usergroups:read scope, or to add you to ALLOWED_USERS",
			groupLabels(r.Groups), escape(truncate(wd.lookupCause(r.Err), maxLookupCause)))
	case r.User == "":
		return wd.f("your request carried no valid Slack member ID, so it cannot be authorized")
	case len(r.Groups) > 0:
		return wd.f("you are not in ALLOWED_USERS or the user groups %s; ask an admin to add "+
			"your member ID `%s` to ALLOWED_USERS or to one of those groups", groupLabels(r.Groups), r.User)
	}
	return wd.f("you are not in ALLOWED_USERS; ask an admin to add your member ID `%s` to ALLOWED_USERS", r.User)
}

// lookupCause is a failed lookup's cause in a few words; Slack's own words
// are quoted as it sent them.
func (wd words) lookupCause(err error) string {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return wd.f("the lookup was canceled or timed out")
	}
	if err == nil {
		return wd.f("no cause given")
	}
	return err.Error()
}

// groupLabels is "S0123 (oncall), S0456": IDs, with handles where known.
func groupLabels(groups []auth.Group) string {
	out := make([]string, len(groups))
	for i, g := range groups {
		out[i] = g.ID
		if g.Handle != "" {
			out[i] += " (" + escape(g.Handle) + ")"
		}
	}
	return strings.Join(out, ", ")
}

// channelMentions is "<#C1>, <#C2>", which Slack shows as channel links.
func channelMentions(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "<#" + id + ">"
	}
	return strings.Join(out, ", ")
}
