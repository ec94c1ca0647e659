package auth

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// handleCache remembers group handles for denial messages. They are a
// courtesy: when they cannot be fetched, messages show bare IDs.
type handleCache struct {
	fetches singleflight.Group // one key: all handles come in one call

	mu      sync.Mutex
	byID    map[string]string
	fetched time.Time // zero (older than any TTL) until the first fetch ends
}

// handle returns the group's handle ("oncall"), or "" when the Directory
// cannot say. Only denials call it, so it may do a Directory call;
// concurrent denials share that call and wait for it or for their ctx, so a
// flood of denials costs one.
func (g *GroupCache) handle(ctx context.Context, groupID string) string {
	hd, ok := g.dir.(HandleDirectory)
	if !ok {
		return ""
	}
	if fetched := g.refreshHandles(ctx, hd); fetched != nil {
		select {
		case <-fetched:
		case <-ctx.Done():
		}
	}
	g.handles.mu.Lock()
	defer g.handles.mu.Unlock()
	return g.handles.byID[groupID]
}

// refreshHandles joins or starts a fetch when the handles are older than
// the TTL, and returns nil when they are not. Like a group lookup, the
// fetch is shared, so it is detached from ctx and bounded by lookupTimeout,
// and it is started under the lock so that it is not repeated by a caller
// that looked just before it ended.
func (g *GroupCache) refreshHandles(ctx context.Context, hd HandleDirectory) <-chan singleflight.Result {
	c := &g.handles
	c.mu.Lock()
	defer c.mu.Unlock()
	if ctx.Err() != nil || time.Since(c.fetched) < g.ttl {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	return c.fetches.DoChan("", func() (any, error) {
		ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
		defer cancel()
		byID := fetchHandles(ctx, hd, g)
		c.mu.Lock()
		defer c.mu.Unlock()
		if byID != nil {
			c.byID = byID
		}
		// Set even on failure, so a missing scope costs one call per TTL.
		c.fetched = time.Now()
		return nil, nil
	})
}

// fetchHandles asks the Directory for handles; nil means it failed.
func fetchHandles(ctx context.Context, hd HandleDirectory, g *GroupCache) (byID map[string]string) {
	defer func() {
		if r := recover(); r != nil {
			g.log.Warn("user-group handle lookup panicked", "panic", r)
			byID = nil
		}
	}()
	byID, err := hd.UserGroupHandles(ctx)
	if err != nil {
		g.log.Debug("user-group handles unavailable; messages show bare IDs", "error", err)
		return nil
	}
	if byID == nil {
		byID = map[string]string{}
	}
	return byID
}
