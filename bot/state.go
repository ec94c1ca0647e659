package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// envelopeSet remembers envelope ids for a while, so an envelope Slack
// delivers twice is acked and ignored. Memory is bounded by the window: old
// ids are dropped in arrival order.
type envelopeSet struct {
	mu     sync.Mutex
	window time.Duration
	now    func() time.Time
	ids    map[string]struct{}
	order  []seenID
}

type seenID struct {
	id string
	at time.Time
}

func newEnvelopeSet(window time.Duration, now func() time.Time) *envelopeSet {
	return &envelopeSet{window: window, now: now, ids: make(map[string]struct{})}
}

// add records id and reports whether it was seen already.
func (s *envelopeSet) add(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	drop := 0
	for drop < len(s.order) && now.Sub(s.order[drop].at) > s.window {
		delete(s.ids, s.order[drop].id)
		drop++
	}
	if drop > 0 {
		s.order = append(s.order[:0:0], s.order[drop:]...)
	}
	if id == "" {
		return false
	}
	if _, ok := s.ids[id]; ok {
		return true
	}
	s.ids[id] = struct{}{}
	s.order = append(s.order, seenID{id, now})
	return false
}

// flights guards against two people stopping the same Polyv channel at once:
// the first claims it, the second is told where it is already happening.
type flights struct {
	mu sync.Mutex
	m  map[int64]flight
}

type flight struct {
	user   string
	parent *parentLink
}

// parentLink is where a command's thread is, known once its parent post
// has returned: a second requester is pointed at it.
type parentLink struct {
	once  sync.Once
	ready chan struct{}
	link  string
}

func newParentLink() *parentLink { return &parentLink{ready: make(chan struct{})} }

// set records the permalink ("" when there is none); only the first call
// counts.
func (p *parentLink) set(link string) {
	p.once.Do(func() {
		p.link = link
		close(p.ready)
	})
}

// wait returns the permalink once it is known, or "" when ctx ends first.
func (p *parentLink) wait(ctx context.Context) string {
	select {
	case <-p.ready:
		return p.link
	case <-ctx.Done():
		return ""
	}
}

func newFlights() *flights { return &flights{m: make(map[int64]flight)} }

// claim takes the ids nobody else is stopping for user, whose thread will be
// at parent; busy maps the others to the flight that holds them.
func (f *flights) claim(ids []int64, user string, parent *parentLink) (claimed []int64, busy map[int64]flight) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		if other, ok := f.m[id]; ok {
			if busy == nil {
				busy = make(map[int64]flight)
			}
			busy[id] = other
			continue
		}
		f.m[id] = flight{user: user, parent: parent}
		claimed = append(claimed, id)
	}
	return claimed, busy
}

func (f *flights) release(ids []int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		delete(f.m, id)
	}
}

// prompts holds confirmation prompts until they are clicked or expire.
type prompts struct {
	mu  sync.Mutex
	ttl time.Duration
	now func() time.Time
	m   map[string]*prompt
}

type prompt struct {
	req     Request
	expires time.Time
}

func newPrompts(ttl time.Duration, now func() time.Time) *prompts {
	return &prompts{ttl: ttl, now: now, m: make(map[string]*prompt)}
}

// add stores req and returns the token the buttons carry.
func (p *prompts) add(req Request) string {
	token := randomID()
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	for k, v := range p.m {
		// Kept one more lifetime after expiry, so a late click is told the
		// prompt expired instead of being met with silence.
		if now.After(v.expires.Add(p.ttl)) {
			delete(p.m, k)
		}
	}
	p.m[token] = &prompt{req: req, expires: now.Add(p.ttl)}
	return token
}

// promptState is what a click finds.
type promptState int

const (
	promptGone    promptState = iota // unknown, used, or expired long ago
	promptExpired                    // expired; the first such click consumes it
	promptNotYours
	promptTaken // the requester's click: the prompt is consumed
)

// take consumes the prompt if user is its requester and it is still valid.
func (p *prompts) take(token, user string) (Request, promptState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, ok := p.m[token]
	switch {
	case !ok:
		return Request{}, promptGone
	case pr.req.User != user:
		return Request{}, promptNotYours
	case p.now().After(pr.expires):
		delete(p.m, token)
		return Request{}, promptExpired
	}
	delete(p.m, token)
	return pr.req, promptTaken
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
