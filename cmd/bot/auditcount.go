package main

import (
	"context"
	"log/slog"
	"sync"
)

// auditCounter is a slog.Handler that drops every record but counts the
// bot's audit lines: the bot writes one when it is done with a command, so
// the demo knows when to print the scene.
type auditCounter struct {
	mu      sync.Mutex
	n       int
	changed chan struct{}
}

func newAuditCounter() *auditCounter { return &auditCounter{changed: make(chan struct{})} }

func (c *auditCounter) Enabled(context.Context, slog.Level) bool { return true }

func (c *auditCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "audit" {
		return nil
	}
	c.mu.Lock()
	c.n++
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	return nil
}

// WithAttrs and WithGroup return c itself: loggers derived from it must count
// into the same total.
func (c *auditCounter) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *auditCounter) WithGroup(string) slog.Handler      { return c }

func (c *auditCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// waitAbove blocks until more than n audit lines were written.
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
