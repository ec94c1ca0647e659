package bot

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/polyvbot/polyvbot/polyv"
)

// channelName is what messages may show of a channel besides its id. It
// carries no wording: the text files say what it means.
type channelName struct {
	// Title and Publisher (the host) are as Polyv has them: cleaned and cut
	// to polyv.MaxNameBytes by the client, but not escaped for Slack, and
	// "" when Polyv gave none.
	Title, Publisher string
	// NotFound: Polyv said the channel does not exist.
	NotFound bool
}

// channelNames are the names a message may show, by channel: what the
// cache knew when the message was worded. A channel it lacks is shown by its
// number alone; a nil map shows numbers only.
type channelNames map[int64]channelName

// channelReader is the Polyv call names make.
type channelReader interface {
	// TryChannelInfo makes one attempt, only if a global token is free now.
	TryChannelInfo(ctx context.Context, id int64) (polyv.ChannelInfo, error)
}

// names is a cache of channel names. A name never delays a Polyv action or
// a message by more than the caller's stated wait: lookups run in the
// background, on a budget of their own, and a later message benefits.
//
// Goroutines: Lookup starts one per lookup it sends (at most maxLookups at
// once, one per channel). Each ends when its TryChannelInfo returns, which
// its own timeout bounds, and at once when Close cancels it; Close waits
// for all of them. A Lookup that is waiting returns when its wait, its
// context or the lookups end, whichever is first.
type names struct {
	reader  channelReader
	global  *rate.Limiter // Polyv's one bucket, shared with stops; nil: no reserve
	reserve float64       // global tokens names leave alone
	own     *rate.Limiter // names' own budget
	timeout time.Duration // of one lookup
	max     int           // entries kept

	ctx    context.Context // ends lookups on Close
	cancel context.CancelFunc
	slots  chan struct{} // one per lookup in flight
	wg     sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	entries map[int64]*list.Element // of *nameEntry
	order   *list.List              // oldest first
	pending map[int64]chan struct{} // closed once the lookup's result is kept
}

// The cache's figures.
const (
	// nameTTL: titles change rarely, and the id always stands beside a
	// name, so an old title for a few minutes misleads nobody about which
	// channel it is; a burst of stops on one channel costs one lookup.
	nameTTL = 10 * time.Minute
	// missTTL: a channel Polyv does not know may be created, a failed
	// lookup may succeed next time; ask again soon, but not once per
	// message while Polyv is failing.
	missTTL = 30 * time.Second
	// lookupTimeout bounds one lookup: half the client's default timeout.
	// A name that late helps only later messages, and a slot held longer
	// keeps other channels' names waiting while Polyv is slow.
	lookupTimeout = 5 * time.Second
	// maxNames: an entry is at most two names of polyv.MaxNameBytes and
	// some bookkeeping, so the cache stays under about 2 MB, with room for
	// more channels than one account runs at once.
	maxNames = 4096
	// maxLookups: lookups in flight at once, so that a slow Polyv ties up
	// a few connections, not one per channel named.
	maxLookups = 4
)

// The names' budget. Polyv's quota is one bucket for every call; stops
// wait in it, names never do (TryChannelInfo). On top of that:
//   - names refill at most a tenth of the global rate, never more than 5/s:
//     in a long burst of stops at the global rate, at most one call in
//     eleven is a name's, so calls per stop stay within 1.1; their own
//     burst is the half of the global burst the reserve leaves (at most
//     10), so that one command naming a few channels shows every name
//     with the default bucket (60/min, burst 10: five names at once);
//   - a lookup starts only while more than half the global burst is free:
//     stops arriving together always find that half, and while stops keep
//     the bucket low (they wait in it), names make no calls at all.
const (
	nameRate     = 5
	nameBurst    = 10
	nameShare    = 10
	reserveShare = 0.5
)

// namesOption changes what newNames builds.
type namesOption func(*names)

// withQuota makes names keep within global, the limiter the Polyv client
// takes its tokens from.
func withQuota(global *rate.Limiter) namesOption {
	return func(n *names) { n.global = global }
}

// withLookupTimeout sets the time one lookup may take.
func withLookupTimeout(d time.Duration) namesOption {
	return func(n *names) { n.timeout = d }
}

// withMaxNames sets how many channels the cache keeps.
func withMaxNames(limit int) namesOption {
	return func(n *names) { n.max = limit }
}

// newNames returns a cache that looks names up with reader. Close ends it.
func newNames(reader channelReader, opts ...namesOption) *names {
	n := &names{
		reader: reader, timeout: lookupTimeout, max: maxNames,
		slots: make(chan struct{}, maxLookups), entries: map[int64]*list.Element{},
		order: list.New(), pending: map[int64]chan struct{}{},
	}
	for _, o := range opts {
		o(n)
	}
	if n.global != nil && n.global.Limit() == rate.Inf {
		n.global = nil // an unlimited bucket has nothing to reserve
	}
	n.own, n.reserve = budget(n.global)
	n.ctx, n.cancel = context.WithCancel(context.Background())
	return n
}

// Lookup returns the names of ids it knows now or learns within wait
// (and before ctx ends); a channel without an answer in time is absent.
// It starts lookups for the channels it does not know, as the budget
// allows; those go on after Lookup returns, for later messages.
func (n *names) Lookup(ctx context.Context, ids []int64, wait time.Duration) map[int64]channelName {
	out, _ := n.lookup(ctx, ids, wait)
	return out
}

// lookup is Lookup, and reports whether it had lookups to wait for (any
// started or joined).
func (n *names) lookup(ctx context.Context, ids []int64, wait time.Duration) (map[int64]channelName, bool) {
	out := make(map[int64]channelName, len(ids))
	waits := n.collect(ids, out)
	if len(waits) == 0 || wait <= 0 {
		return out, len(waits) > 0
	}
	n.await(ctx, waits, wait)
	n.mu.Lock()
	defer n.mu.Unlock()
	now := time.Now()
	for id := range waits {
		if e, ok := n.freshLocked(id, now); ok && e.known {
			out[id] = e.name
		}
	}
	return out, true
}

// Known returns the fresh names of ids the cache holds now, and starts no
// lookup: for messages about requests that may not make Polyv calls (a
// denied command, a refused one, the audit log line).
func (n *names) Known(ids []int64) map[int64]channelName {
	out := make(map[int64]channelName, len(ids))
	n.mu.Lock()
	defer n.mu.Unlock()
	now := time.Now()
	for _, id := range ids {
		if e, ok := n.freshLocked(id, now); ok && e.known {
			out[id] = e.name
		}
	}
	return out
}

// Close cancels the lookups in flight and waits for them to end. Lookups
// after Close answer from the cache only.
func (n *names) Close() {
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	n.cancel()
	n.wg.Wait()
}

// nameEntry is one channel's cached result.
type nameEntry struct {
	id      int64
	name    channelName
	known   bool // false: the lookup failed; nothing to show until it expires
	expires time.Time
}

// budget is names' own limiter and the global reserve, from the global
// bucket's figures (see the names' budget).
func budget(global *rate.Limiter) (*rate.Limiter, float64) {
	if global == nil {
		return rate.NewLimiter(nameRate, nameBurst), 0
	}
	r := min(rate.Limit(nameRate), global.Limit()/nameShare)
	b := min(nameBurst, max(1, int(float64(global.Burst())*(1-reserveShare))))
	return rate.NewLimiter(r, b), float64(global.Burst()) * reserveShare
}

// collect puts the fresh names of ids into out and returns, for the others,
// what to wait on: lookups in flight, joined or started now.
func (n *names) collect(ids []int64, out map[int64]channelName) map[int64]chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := time.Now()
	var waits map[int64]chan struct{} // made only when needed: a cached name costs no map
	for _, id := range ids {
		if e, ok := n.freshLocked(id, now); ok {
			if e.known {
				out[id] = e.name
			}
			continue
		}
		done, ok := n.pending[id]
		if !ok {
			done = n.startLocked(id)
		}
		if done != nil {
			if waits == nil {
				waits = map[int64]chan struct{}{}
			}
			waits[id] = done
		}
	}
	return waits
}

// startLocked starts a lookup of id if the budget allows, and returns the
// channel closed once its result is kept; nil when none started.
func (n *names) startLocked(id int64) chan struct{} {
	if n.closed || (n.global != nil && n.global.Tokens() <= n.reserve) {
		return nil
	}
	select {
	case n.slots <- struct{}{}:
	default:
		return nil
	}
	if !n.own.Allow() {
		<-n.slots
		return nil
	}
	done := make(chan struct{})
	n.pending[id] = done
	n.wg.Add(1)
	go n.fetch(id, done)
	return done
}

// fetch is one lookup: it asks Polyv about id and keeps what it learns.
func (n *names) fetch(id int64, done chan struct{}) {
	defer n.wg.Done()
	defer func() { <-n.slots }()
	ctx, cancel := context.WithTimeout(n.ctx, n.timeout)
	defer cancel()
	info, err := n.reader.TryChannelInfo(ctx, id)
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.pending, id)
	defer close(done)
	var le *polyv.LimitError
	switch {
	case err == nil:
		n.keepLocked(id, channelName{Title: info.Name, Publisher: info.Publisher}, true, nameTTL)
	case errors.Is(err, polyv.ErrChannelNotFound):
		n.keepLocked(id, channelName{NotFound: true}, true, missTTL)
	case errors.As(err, &le), n.ctx.Err() != nil:
		// Nothing was asked, or the bot is closing: nothing learnt either.
	default:
		n.keepLocked(id, channelName{}, false, missTTL)
	}
}

// await waits until every lookup in waits ended, wait passed or ctx ended.
func (n *names) await(ctx context.Context, waits map[int64]chan struct{}, wait time.Duration) {
	t := time.NewTimer(wait)
	defer t.Stop()
	for _, done := range waits {
		select {
		case <-done:
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// freshLocked returns id's entry unless it expired (an expired entry is
// dropped).
func (n *names) freshLocked(id int64, now time.Time) (*nameEntry, bool) {
	el, ok := n.entries[id]
	if !ok {
		return nil, false
	}
	e := el.Value.(*nameEntry)
	if !now.Before(e.expires) {
		n.order.Remove(el)
		delete(n.entries, id)
		return nil, false
	}
	return e, true
}

// keepLocked stores a result for ttl, dropping the oldest entries beyond
// the bound.
func (n *names) keepLocked(id int64, name channelName, known bool, ttl time.Duration) {
	e := &nameEntry{id: id, name: name, known: known, expires: time.Now().Add(ttl)}
	if el, ok := n.entries[id]; ok {
		el.Value = e
		n.order.MoveToBack(el)
	} else {
		n.entries[id] = n.order.PushBack(e)
	}
	for n.order.Len() > max(1, n.max) {
		oldest := n.order.Front()
		n.order.Remove(oldest)
		delete(n.entries, oldest.Value.(*nameEntry).id)
	}
}

// lookupNames returns the names of ids the cache knows, waiting up to wait
// for those being looked up and starting lookups for the others: for the
// messages of an authorized command. A name never delays a Polyv call:
// only messages wait here, and only for wait. Lookup starts only as many
// lookups as there are slots, so while wait allows it asks again once those
// ended: twenty channels are named within wait when Polyv and the budget
// allow, not four.
func (p *pipeline) lookupNames(ctx context.Context, ids []int64, wait time.Duration) channelNames {
	if p.names == nil {
		return nil
	}
	deadline := time.Now().Add(wait)
	for {
		got, waited := p.names.lookup(ctx, ids, time.Until(deadline))
		// Done when all are known, or none could be started (the budget,
		// failures kept for a while), or the wait or ctx is over.
		if len(got) == len(ids) || !waited || !time.Now().Before(deadline) || ctx.Err() != nil {
			return got
		}
	}
}

// knownNames returns the names of ids the cache holds now, starting no
// lookup: for requests that may not cause Polyv calls (denied, refused)
// and for the audit record.
func (p *pipeline) knownNames(ids []int64) channelNames {
	if p.names == nil || len(ids) == 0 {
		return nil
	}
	return p.names.Known(ids)
}
