package bot

import (
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
	m  map[int64]*flight
}

type flight struct {
	user string
	link string
}

func newFlights() *flights { return &flights{m: make(map[int64]*flight)} }

// claim takes the ids nobody else is stopping; busy maps the others to the
// flight that holds them (a copy).
func (f *flights) claim(ids []int64, user string) (claimed []int64, busy map[int64]flight) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		if other, ok := f.m[id]; ok {
			if busy == nil {
				busy = make(map[int64]flight)
			}
			busy[id] = *other
			continue
		}
		f.m[id] = &flight{user: user}
		claimed = append(claimed, id)
	}
	return claimed, busy
}

func (f *flights) setLink(ids []int64, link string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		if fl, ok := f.m[id]; ok {
			fl.link = link
		}
	}
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
	job     job
	expires time.Time
}

func newPrompts(ttl time.Duration, now func() time.Time) *prompts {
	return &prompts{ttl: ttl, now: now, m: make(map[string]*prompt)}
}

// add stores j and returns the token the buttons carry.
func (p *prompts) add(j job) string {
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
	p.m[token] = &prompt{job: j, expires: now.Add(p.ttl)}
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
func (p *prompts) take(token, user string) (job, promptState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, ok := p.m[token]
	switch {
	case !ok:
		return job{}, promptGone
	case pr.job.cmd.UserID != user:
		return job{}, promptNotYours
	case p.now().After(pr.expires):
		delete(p.m, token)
		return job{}, promptExpired
	}
	delete(p.m, token)
	return pr.job, promptTaken
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
