package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Directory looks up user-group members; the Slack adapter implements it
// with usergroups.users.list.
type Directory interface {
	UserGroupMembers(ctx context.Context, groupID string) ([]string, error)
}

// HandleDirectory may optionally be implemented by a Directory to give
// group handles for messages ("S0123 (oncall)").
type HandleDirectory interface {
	UserGroupHandles(ctx context.Context) (map[string]string, error) // group ID → handle
}

// Cache defaults. usergroups.users.list allows about 20 calls a minute, so a
// minute of caching keeps a busy incident channel well inside it.
const (
	DefaultGroupTTL = 60 * time.Second
	// DefaultMaxStaleFactor times the TTL is how long an entry may be served
	// while it is being refreshed.
	DefaultMaxStaleFactor = 5
)

// lookupTimeout bounds one Directory call. Lookups are shared by every
// caller waiting for the group, so none of their contexts may cancel it.
const lookupTimeout = 30 * time.Second

// maxErrorBackoff bounds how long a failed lookup is remembered before the
// Directory is asked again; it keeps a broken scope from turning every
// command into an API call.
const maxErrorBackoff = 10 * time.Second

// GroupCache caches user-group memberships (TTL default 60s). Concurrent
// lookups of the same group share one Directory call. An expired entry is
// served while one background refresh runs (stale-while-revalidate), for at
// most a max staleness (default 5×TTL); past that, or with no entry at all,
// the caller waits for the lookup (or for its ctx). A failed lookup is
// remembered briefly (min(TTL, 10s)) so callers are not each charged a call.
// A lookup error is logged once per distinct cause per group, again when
// the cause changes, at info when it recovers, and is returned. A group
// nobody has asked about for the max staleness is forgotten, so memory
// follows the groups in use rather than every group ever asked about.
// The zero value is not usable; call NewGroupCache.
type GroupCache struct {
	dir      Directory
	ttl      time.Duration
	maxStale time.Duration
	log      *slog.Logger

	mu        sync.Mutex
	entries   map[string]*groupEntry
	lastSweep time.Time

	handles handleCache
}

// CacheOption configures a GroupCache.
type CacheOption func(*GroupCache)

// NewGroupCache returns a cache over dir.
func NewGroupCache(dir Directory, opts ...CacheOption) *GroupCache {
	g := &GroupCache{
		dir:     dir,
		ttl:     DefaultGroupTTL,
		log:     slog.New(slog.DiscardHandler),
		entries: make(map[string]*groupEntry),
	}
	for _, opt := range opts {
		opt(g)
	}
	if g.ttl <= 0 {
		g.ttl = DefaultGroupTTL
	}
	if g.maxStale < g.ttl {
		g.maxStale = DefaultMaxStaleFactor * g.ttl
	}
	return g
}

// WithTTL sets how long a membership list is fresh. Zero or less means the default.
func WithTTL(d time.Duration) CacheOption { return func(g *GroupCache) { g.ttl = d } }

// WithMaxStale sets how old an entry may be and still be served while it is
// refreshed. Values below the TTL mean the default (5×TTL).
func WithMaxStale(d time.Duration) CacheOption { return func(g *GroupCache) { g.maxStale = d } }

// WithLogger sets the logger for lookup failures and recoveries.
func WithLogger(l *slog.Logger) CacheOption {
	return func(g *GroupCache) {
		if l != nil {
			g.log = l
		}
	}
}

// IsMember reports whether userID is in the group. It returns false and an
// error when membership could not be established; callers must treat that
// as "no" (fail closed).
func (g *GroupCache) IsMember(ctx context.Context, groupID, userID string) (bool, error) {
	g.mu.Lock()
	now := time.Now()
	g.sweepLocked(now)
	e := g.entry(groupID)
	e.asked = now
	if e.fresh(now, g.ttl) {
		ok := e.has(userID)
		g.mu.Unlock()
		return ok, nil
	}
	if e.usable(now, g.maxStale) {
		if !e.backingOff(now, g.errorBackoff()) {
			g.startLocked(ctx, groupID, e)
		}
		ok := e.has(userID)
		g.mu.Unlock()
		return ok, nil
	}
	if e.backingOff(now, g.errorBackoff()) {
		err := e.err
		g.mu.Unlock()
		return false, err
	}
	c := g.startLocked(ctx, groupID, e)
	g.mu.Unlock()
	return c.wait(ctx, userID, groupID)
}

// groupEntry is what the cache knows about one group. Guarded by GroupCache.mu.
type groupEntry struct {
	members  map[string]struct{}
	fetched  time.Time // when members was loaded; zero if never
	inflight *lookup   // the running lookup, if any
	err      error     // last lookup error, returned while backing off
	failedAt time.Time // when err happened
	cause    string    // cause last logged; "" while healthy
	asked    time.Time // when IsMember last asked about the group
}

// lookup is one shared Directory call; done is closed when it finishes.
type lookup struct {
	done    chan struct{}
	members map[string]struct{}
	err     error
}

func (e *groupEntry) fresh(now time.Time, ttl time.Duration) bool {
	return !e.fetched.IsZero() && now.Sub(e.fetched) < ttl
}

func (e *groupEntry) usable(now time.Time, maxStale time.Duration) bool {
	return !e.fetched.IsZero() && now.Sub(e.fetched) < maxStale
}

func (e *groupEntry) backingOff(now time.Time, backoff time.Duration) bool {
	return e.err != nil && now.Sub(e.failedAt) < backoff
}

func (e *groupEntry) has(userID string) bool {
	_, ok := e.members[userID]
	return ok
}

// wait blocks until the lookup ends or ctx is done.
func (c *lookup) wait(ctx context.Context, userID, groupID string) (bool, error) {
	select {
	case <-c.done:
	case <-ctx.Done():
		return false, &lookupError{group: groupID, err: ctx.Err()}
	}
	if c.err != nil {
		return false, c.err
	}
	_, ok := c.members[userID]
	return ok, nil
}

// entry returns the entry for groupID, creating it. Caller holds g.mu.
func (g *GroupCache) entry(groupID string) *groupEntry {
	e, ok := g.entries[groupID]
	if !ok {
		e = &groupEntry{}
		g.entries[groupID] = e
	}
	return e
}

// startLocked returns the running lookup for the group or starts one.
// The lookup is detached from ctx (keeping its values) because other
// callers share it. Caller holds g.mu.
func (g *GroupCache) startLocked(ctx context.Context, groupID string, e *groupEntry) *lookup {
	if e.inflight != nil {
		return e.inflight
	}
	c := &lookup{done: make(chan struct{})}
	e.inflight = c
	go g.run(context.WithoutCancel(ctx), groupID, e, c)
	return c
}

// run performs one Directory call and records its result.
func (g *GroupCache) run(ctx context.Context, groupID string, e *groupEntry, c *lookup) {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	members, err := g.fetch(ctx, groupID)
	if err != nil {
		c.err = &lookupError{group: groupID, err: err}
	} else {
		c.members = members
	}
	g.mu.Lock()
	g.record(groupID, e, c)
	g.mu.Unlock()
	close(c.done)
}

// fetch calls the Directory and indexes the members. A panic in the
// Directory is a failed lookup: it runs on a goroutine of its own, where
// nothing else would recover it and the whole bot would stop.
func (g *GroupCache) fetch(ctx context.Context, groupID string) (members map[string]struct{}, err error) {
	defer func() {
		if r := recover(); r != nil {
			members, err = nil, fmt.Errorf("directory panicked: %v", r)
		}
	}()
	list, err := g.dir.UserGroupMembers(ctx, groupID)
	if err != nil {
		return nil, err
	}
	members = make(map[string]struct{}, len(list))
	for _, id := range list {
		members[id] = struct{}{}
	}
	return members, nil
}

// record stores a finished lookup and logs changes of health. Caller holds g.mu.
func (g *GroupCache) record(groupID string, e *groupEntry, c *lookup) {
	e.inflight = nil
	now := time.Now()
	if c.err == nil {
		if e.cause != "" {
			g.log.Info("user-group lookup recovered", "group", groupID)
		}
		e.members, e.fetched = c.members, now
		e.err, e.cause = nil, ""
		return
	}
	e.err, e.failedAt = c.err, now
	if cause := c.err.Error(); cause != e.cause {
		g.log.Warn("user-group lookup failed; members of this group are denied until it works",
			"group", groupID, "error", cause)
		e.cause = cause
	}
}

// sweepLocked forgets groups nobody asked about for maxStale, at most once
// per maxStale so the cost stays O(groups) per period. An entry with a
// lookup in flight stays: its waiters and its result need it. Caller holds
// g.mu.
func (g *GroupCache) sweepLocked(now time.Time) {
	if now.Sub(g.lastSweep) < g.maxStale {
		return
	}
	g.lastSweep = now
	for id, e := range g.entries {
		if e.inflight == nil && now.Sub(e.asked) >= g.maxStale {
			delete(g.entries, id)
		}
	}
}

func (g *GroupCache) errorBackoff() time.Duration {
	return min(g.ttl, maxErrorBackoff)
}

// lookupError is a failed membership lookup; Policy shows the cause to the
// person who asked, without the wrapping.
type lookupError struct {
	group string
	err   error
}

func (e *lookupError) Error() string {
	return fmt.Sprintf("looking up members of user group %s: %v", e.group, e.err)
}

func (e *lookupError) Unwrap() error { return e.err }

// reason is the short cause for a user-facing message.
func reason(err error) string {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "the lookup was canceled or timed out"
	}
	var le *lookupError
	if errors.As(err, &le) {
		err = le.err
	}
	return err.Error()
}
