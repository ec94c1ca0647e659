package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
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
	lookups  singleflight.Group // keyed by group ID

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
	wait, members, err := g.cached(ctx, groupID)
	if wait != nil {
		select {
		case r := <-wait:
			members, err = r.Val.(map[string]struct{}), r.Err
		case <-ctx.Done():
			return false, &lookupError{group: groupID, err: ctx.Err()}
		}
	}
	if err != nil {
		return false, err
	}
	_, ok := members[userID]
	return ok, nil
}

// groupEntry is what the cache knows about one group. Guarded by GroupCache.mu.
type groupEntry struct {
	members  map[string]struct{}
	fetched  time.Time // when members was loaded; zero (older than any bound) if never
	err      error     // last lookup error, until a lookup succeeds
	failedAt time.Time // when err happened
	asked    time.Time // when IsMember last asked about the group
}

// cached answers from the group's entry when it is fresh enough, starting
// a refresh when it has expired; otherwise it returns the lookup to wait
// for.
func (g *GroupCache) cached(ctx context.Context, groupID string) (wait <-chan singleflight.Result, members map[string]struct{}, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now()
	g.sweepLocked(now)
	e := g.entry(groupID, now)
	e.asked = now
	age := now.Sub(e.fetched)
	backingOff := e.err != nil && now.Sub(e.failedAt) < min(g.ttl, maxErrorBackoff)
	switch {
	case age < g.ttl:
		return nil, e.members, nil
	case age < g.maxStale:
		if !backingOff {
			g.lookupLocked(ctx, groupID)
		}
		return nil, e.members, nil
	case backingOff:
		return nil, nil, e.err
	}
	return g.lookupLocked(ctx, groupID), nil, nil
}

// lookupLocked joins the group's running Directory call or starts one.
// Holding g.mu keeps a caller that saw the entry expired from starting a
// second call just after the first recorded its result. The call is
// detached from ctx (keeping its values) because other callers share it;
// lookupTimeout bounds it instead. Caller holds g.mu.
func (g *GroupCache) lookupLocked(ctx context.Context, groupID string) <-chan singleflight.Result {
	ctx = context.WithoutCancel(ctx)
	return g.lookups.DoChan(groupID, func() (any, error) {
		ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
		defer cancel()
		members, err := g.fetch(ctx, groupID)
		if err != nil {
			err = &lookupError{group: groupID, err: err}
		}
		g.record(groupID, members, err)
		return members, err
	})
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
	return set(list), nil
}

// record stores a finished lookup and logs changes of health. An entry
// swept while its lookup ran is made again, so the result is kept.
func (g *GroupCache) record(groupID string, members map[string]struct{}, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now()
	e := g.entry(groupID, now)
	if err == nil {
		if e.err != nil {
			g.log.Info("user-group lookup recovered", "group", groupID)
		}
		e.members, e.fetched, e.err = members, now, nil
		return
	}
	if e.err == nil || e.err.Error() != err.Error() {
		g.log.Warn("user-group lookup failed; members of this group are denied until it works",
			"group", groupID, "error", err.Error())
	}
	e.err, e.failedAt = err, now
}

// entry returns the entry for groupID, creating it as asked at now.
// Caller holds g.mu.
func (g *GroupCache) entry(groupID string, now time.Time) *groupEntry {
	e, ok := g.entries[groupID]
	if !ok {
		e = &groupEntry{asked: now}
		g.entries[groupID] = e
	}
	return e
}

// sweepLocked forgets groups nobody asked about for maxStale, at most once
// per maxStale so the cost stays O(groups) per period. A lookup still
// running for a forgotten group records its result all the same. Caller
// holds g.mu.
func (g *GroupCache) sweepLocked(now time.Time) {
	if now.Sub(g.lastSweep) < g.maxStale {
		return
	}
	g.lastSweep = now
	maps.DeleteFunc(g.entries, func(_ string, e *groupEntry) bool {
		return now.Sub(e.asked) >= g.maxStale
	})
}

// lookupError is a failed membership lookup, as the cache logs it; a
// Ruling carries only its cause (see cause).
type lookupError struct {
	group string
	err   error
}

func (e *lookupError) Error() string {
	return fmt.Sprintf("looking up members of user group %s: %v", e.group, e.err)
}

func (e *lookupError) Unwrap() error { return e.err }

// cause is the Directory's error inside a failed lookup, without the
// wrapping that names the group: a Ruling lists the groups itself.
func cause(err error) error {
	var le *lookupError
	if errors.As(err, &le) {
		return le.err
	}
	return err
}
