package auth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
)

// Denial says why a request was refused. Its values are stable: they are
// used as metrics labels.
type Denial string

const (
	// NotDenied is the Denial of a permitted request.
	NotDenied Denial = ""
	// DenyChannel: the command came from a channel not in ALLOWED_CHANNELS.
	DenyChannel Denial = "channel"
	// DenyUser: the user is neither listed nor a member of a listed group.
	DenyUser Denial = "user"
	// DenyLookup: a group membership could not be verified, so the request
	// was refused rather than guessed at (fail closed).
	DenyLookup Denial = "group_lookup"
)

// Ruling is the outcome of Policy.Check: the facts of a denial, for the
// caller to put into words. (Not "Decision": the bot's Decision is what it
// did with a whole request, of which a ruling is one input.) It holds IDs
// only, never a display name, and no secret.
type Ruling struct {
	Denial Denial // NotDenied, or why not
	// User is the member ID refused (DenyUser); "" when the request carried
	// no valid one.
	User string
	// Channels are the channels commands are accepted in (DenyChannel).
	Channels []string
	// Groups are the user groups that were asked: every configured group
	// for DenyUser, the ones whose lookup failed for DenyLookup.
	Groups []Group
	// Err is why the lookup failed (DenyLookup): the Directory's error, or
	// the context's when the request was canceled or timed out first.
	Err error
}

// Permitted reports whether the request may go ahead.
func (r Ruling) Permitted() bool { return r.Denial == NotDenied }

// Group is a user group as a denial names it.
type Group struct {
	ID     string
	Handle string // "oncall"; "" when the Directory could not say
}

// Policy decides who may act where. Identity is the Slack user ID from the
// envelope, never a name. A Policy is safe for concurrent use.
type Policy struct {
	rules    Rules
	users    map[string]struct{}
	channels map[string]struct{}
	groups   *GroupCache
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
	return &Policy{rules: rules, users: set(rules.Users), channels: set(rules.Channels), groups: groups}, nil
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
func (p *Policy) Check(ctx context.Context, userID, channelID string) Ruling {
	if len(p.channels) > 0 {
		if _, ok := p.channels[channelID]; !ok {
			return Ruling{Denial: DenyChannel, Channels: slices.Clone(p.rules.Channels)}
		}
	}
	if !UserIDs.valid(userID) {
		return Ruling{Denial: DenyUser}
	}
	if p.rules.Everyone {
		return Ruling{}
	}
	if _, ok := p.users[userID]; ok {
		return Ruling{}
	}
	return p.checkGroups(ctx, userID)
}

// checkGroups asks each group in order; see Check.
func (p *Policy) checkGroups(ctx context.Context, userID string) Ruling {
	if len(p.rules.Groups) > 0 && ctx.Err() != nil {
		return Ruling{Denial: DenyLookup, Groups: p.named(ctx, p.rules.Groups), Err: ctx.Err()}
	}
	var failed []string
	var firstErr error
	for _, g := range p.rules.Groups {
		ok, err := p.groups.IsMember(ctx, g, userID)
		if ok {
			return Ruling{}
		}
		if err != nil {
			failed = append(failed, g)
			firstErr = cmp.Or(firstErr, err)
		}
	}
	if firstErr != nil {
		return Ruling{Denial: DenyLookup, Groups: p.named(ctx, failed), Err: cause(firstErr)}
	}
	return Ruling{Denial: DenyUser, User: userID, Groups: p.named(ctx, p.rules.Groups)}
}

// named gives group IDs their handles where known.
func (p *Policy) named(ctx context.Context, ids []string) []Group {
	if len(ids) == 0 {
		return nil
	}
	out := make([]Group, len(ids))
	for i, id := range ids {
		out[i] = Group{ID: id, Handle: p.groups.handle(ctx, id)}
	}
	return out
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
