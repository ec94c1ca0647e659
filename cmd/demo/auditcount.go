package main

import (
	"context"
	"sync"

	"github.com/polyvbot/polyvbot/bot"
)

// auditCounter is the demo's audit sink: the bot hands it one record when
// it is done with a command (for a stop being verified, the verdict's), so
// the demo knows when to print the scene.
type auditCounter struct {
	mu      sync.Mutex
	n       int
	changed chan struct{}
}

func newAuditCounter() *auditCounter { return &auditCounter{changed: make(chan struct{})} }

// Audit counts rec, unless a verdict's record follows it.
func (c *auditCounter) Audit(rec bot.Record) {
	if rec.Pending() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *auditCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// waitAbove blocks until more than n records were handed over.
func (c *auditCounter) waitAbove(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		got, changed := c.n, c.changed
		c.mu.Unlock()
		if got > n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
