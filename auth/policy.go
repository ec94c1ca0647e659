package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Denial says why a request was refused. Its values are stable: they are
// used as metrics labels.
type Denial string

const (
	// Allowed is the Denial of an allowed request.
	Allowed Denial = ""
	// DenyChannel: the command came from a channel not in ALLOWED_CHANNELS.
	DenyChannel Denial = "channel"
	// DenyUser: the user is neither listed nor a member of a listed group.
	DenyUser Denial = "user"
	// DenyLookup: a group membership could not be verified, so the request
	// was refused rather than guessed at (fail closed).
	DenyLookup Denial = "group_lookup"
)

// Decision is the outcome of Policy.Check.
type Decision struct {
	Allowed bool
	Denial  Denial
	// Message is for the person who asked, in Slack mrkdwn. It contains no
	// secret and only IDs, never the user's display name. Empty when allowed.
	Message string
}

// Policy decides who may act where. Identity is the Slack user ID from the
// envelope, never a name. A Policy is safe for concurrent use.
type Policy struct {
	rules       Rules
	users       map[string]struct{}
	channels    map[string]struct{}
	groups      *GroupCache
	channelDeny Decision // precomputed: it is the same for everyone
}

// NewPolicy returns a Policy for rules, looking group members up in
// groups. It returns an error when rules has groups but groups is nil, or
// when rules holds an entry that is not an ID of the right shape (such as a
// "*" in Users instead of Everyone), so hand-built rules cannot widen access.
func NewPolicy(rules Rules, groups *GroupCache) (*Policy, error) {
	if err := rules.validate(); err != nil {
		return nil, fmt.Errorf("auth: invalid rules: %w", err)
	}
	if len(rules.Groups) > 0 && groups == nil {
		return nil, errors.New("auth: rules name user groups but no group cache was given")
	}
	rules = rules.clone()
	p := &Policy{rules: rules, users: set(rules.Users), channels: set(rules.Channels), groups: groups}
	p.channelDeny = Decision{
		Denial:  DenyChannel,
		Message: "commands are accepted only in " + channelLinks(rules.Channels),
	}
	return p, nil
}

// Rules returns a copy of the rules the policy enforces.
func (p *Policy) Rules() Rules { return p.rules.clone() }

// Check decides whether userID may run a command in channelID. The
// channel is checked first; then the user is allowed if the rules allow
// everyone, list the user, or any listed group (checked in order, stopping
// at the first yes) has the user as a member. When no group says yes and a
// lookup failed, or ctx is done before a needed lookup, the answer is
// DenyLookup: unverifiable membership is a no. An empty or malformed
// userID is DenyUser.
func (p *Policy) Check(ctx context.Context, userID, channelID string) Decision {
	if len(p.channels) > 0 {
		if _, ok := p.channels[channelID]; !ok {
			return p.channelDeny
		}
	}
	if !UserIDs.valid(userID) {
		return Decision{Denial: DenyUser, Message: "your request carried no valid Slack member ID, so it cannot be authorized"}
	}
	if p.rules.Everyone {
		return Decision{Allowed: true}
	}
	if _, ok := p.users[userID]; ok {
		return Decision{Allowed: true}
	}
	return p.checkGroups(ctx, userID)
}

// checkGroups asks each group in order; see Check.
func (p *Policy) checkGroups(ctx context.Context, userID string) Decision {
	if len(p.rules.Groups) > 0 && ctx.Err() != nil {
		return p.lookupDenial(ctx, p.rules.Groups, ctx.Err())
	}
	var failed []string
	var firstErr error
	for _, g := range p.rules.Groups {
		ok, err := p.groups.IsMember(ctx, g, userID)
		if ok {
			return Decision{Allowed: true}
		}
		if err != nil {
			failed = append(failed, g)
			firstErr = cmpOr(firstErr, err)
		}
	}
	if firstErr != nil {
		return p.lookupDenial(ctx, failed, firstErr)
	}
	return p.userDenial(ctx, userID)
}

func (p *Policy) lookupDenial(ctx context.Context, groups []string, err error) Decision {
	return Decision{
		Denial: DenyLookup,
		Message: fmt.Sprintf("your membership of %s could not be verified (%s); ask an admin to check "+
			"the bot's usergroups:read scope, or to add you to ALLOWED_USERS",
			p.labels(ctx, groups), escapeMrkdwn(shorten(reason(err), 200))),
	}
}

func (p *Policy) userDenial(ctx context.Context, userID string) Decision {
	msg := fmt.Sprintf("you are not in ALLOWED_USERS; ask an admin to add your member ID `%s` to ALLOWED_USERS", userID)
	if len(p.rules.Groups) > 0 {
		msg = fmt.Sprintf("you are not in ALLOWED_USERS or the user groups %s; ask an admin to add "+
			"your member ID `%s` to ALLOWED_USERS or to one of those groups", p.labels(ctx, p.rules.Groups), userID)
	}
	return Decision{Denial: DenyUser, Message: msg}
}

// labels renders group IDs with their handles where known.
func (p *Policy) labels(ctx context.Context, groups []string) string {
	out := make([]string, len(groups))
	for i, g := range groups {
		out[i] = p.groups.label(ctx, g)
	}
	return strings.Join(out, ", ")
}

// validate checks every entry's shape; see NewPolicy.
func (r Rules) validate() error {
	var errs []error
	check := func(name string, ids []string, k IDKind) {
		for _, id := range ids {
			if !k.valid(id) {
				errs = append(errs, fmt.Errorf("%s: %s", name, k.explain(id)))
			}
		}
	}
	check("Users", r.Users, UserIDs)
	check("Groups", r.Groups, GroupIDs)
	check("Channels", r.Channels, ChannelIDs)
	return errors.Join(errs...)
}

func (r Rules) clone() Rules {
	r.Users, r.Groups, r.Channels = slices.Clone(r.Users), slices.Clone(r.Groups), slices.Clone(r.Channels)
	return r
}

func set(ids []string) map[string]struct{} {
	m := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		m[id] = struct{}{}
	}
	return m
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// escapeMrkdwn keeps text from outside (error causes, group handles) from
// forming mentions or links in Slack.
func escapeMrkdwn(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
