package auth

import (
	"context"
	"sync"
	"time"
)

// handleCache remembers group handles for denial messages. They are a
// courtesy: when they cannot be fetched, messages show bare IDs.
type handleCache struct {
	mu       sync.Mutex
	byID     map[string]string
	fetched  time.Time
	fetching bool
}

// label returns "S0123 (oncall)" when the Directory knows the handle, or
// "S0123". Only denials call it, so it may do a Directory call; a call that
// is already running is not waited for, so a flood of denials costs one.
func (g *GroupCache) label(ctx context.Context, groupID string) string {
	h := g.handle(ctx, groupID)
	if h == "" {
		return groupID
	}
	return groupID + " (" + escapeMrkdwn(h) + ")"
}

func (g *GroupCache) handle(ctx context.Context, groupID string) string {
	hd, ok := g.dir.(HandleDirectory)
	if !ok {
		return ""
	}
	c := &g.handles
	c.mu.Lock()
	stale := c.fetched.IsZero() || time.Now().Sub(c.fetched) >= g.ttl
	refresh := stale && !c.fetching && ctx.Err() == nil
	c.fetching = c.fetching || refresh
	c.mu.Unlock()
	if refresh {
		byID := fetchHandles(ctx, hd, g)
		c.mu.Lock()
		if byID != nil {
			c.byID = byID
		}
		// Set even on failure, so a missing scope costs one call per TTL.
		c.fetched, c.fetching = time.Now(), false
		c.mu.Unlock()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[groupID]
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
