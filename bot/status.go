package bot

import (
	"context"
	"errors"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/polyvbot/polyvbot/polyv"
)

// status answers privately with each channel's story: its name, live
// status, viewers, host, and whether an encoder pushes it or Polyv pulls
// it. It takes a token from the requester's status bucket, never the stop
// budget: the bot tells people to check with status before retrying a stop.
// Only the live status is needed: the other parts that fail or come late
// are left out, each said so in a word.
func (p *pipeline) status(ctx context.Context, req Request, rec *Record) {
	if ok, wait := p.statusUsers.Take(req.User); !ok {
		p.metrics.limiterRefusals.WithLabelValues("user").Inc()
		rec.Decision = OverBudget
		p.private(ctx, req, p.words.statusBudgetText(wait))
		return
	}
	ids := req.Command.ChannelIDs
	cctx, cancel := context.WithTimeout(ctx, p.set.PolyvTimeout+gracePad)
	defer cancel()
	parts := p.readParts(cctx, ids, statusPartsWait, true)
	statuses, err := p.polyv.LiveStatus(cctx, ids...)
	parts.wait()
	rec.names = parts.names
	if err != nil {
		rec.StatusErr = err
		p.private(ctx, req, p.words.statusFailedText(err, p.set.PolyvTimeout))
		return
	}
	p.private(ctx, req, p.words.statusText(parts.stories(ids, statuses, true)))
}

// statusPartsWait bounds the reads status makes beside the live status: a
// person asked and waits, and Polyv answers a read in well under a second,
// so three seconds leave room for a slow answer and a retry; a part later
// than that is left out rather than keep the answer waiting.
const statusPartsWait = 3 * time.Second

// streamReads bounds the stream-type calls one status makes at once (one
// per channel): 20 channels cost five round trips, not 20 connections.
const streamReads = 4

// story is what status or the confirmation prompt learnt about one channel
// in time; a part it did not learn is unknown, and the words say so.
type story struct {
	id       int64
	names    channelNames // what the cache knew: the name, the host, or that Polyv does not know it
	read     bool         // the live-status call answered
	listed   bool         // and listed the channel
	status   polyv.LiveStatus
	counted  bool // the viewers call answered and listed the channel
	viewers  int
	streamed bool // the stream-type call answered
	stream   polyv.StreamType
	notFound bool // the stream-type call said Polyv does not know the channel
}

// unknown reports a channel Polyv said it does not know.
func (s story) unknown() bool { return s.notFound || s.names[s.id].NotFound }

// parts are the reads made beside the live status, all at once: the
// viewers (one batched call), the names (from the cache, looking up what
// it lacks) and, for status, the stream types (one call per channel, a few
// at a time). Each is bounded by wait; wait returns once all have ended.
type parts struct {
	wg      errgroup.Group
	cancel  context.CancelFunc
	viewers map[int64]int // nil when the call failed
	streams []streamRead  // by position in ids; nil when not read
	names   channelNames
}

// streamRead is one channel's stream-type call.
type streamRead struct {
	st  polyv.StreamType
	err error
}

// readParts starts the reads of ids beside the live status, each bounded
// by wait.
func (p *pipeline) readParts(ctx context.Context, ids []int64, wait time.Duration, streams bool) *parts {
	pctx, cancel := context.WithTimeout(ctx, wait)
	r := &parts{cancel: cancel}
	r.wg.Go(func() error { r.viewers, _ = p.polyv.RealtimeViewers(pctx, ids...); return nil })
	r.wg.Go(func() error { r.names = p.lookupNames(pctx, ids, wait); return nil })
	if streams {
		r.streams = make([]streamRead, len(ids))
		r.wg.Go(func() error { p.readStreams(pctx, ids, r.streams); return nil })
	}
	return r
}

// wait returns once every read has ended: none outlives its bound.
func (r *parts) wait() {
	_ = r.wg.Wait() // a read that fails leaves its part out: no error
	r.cancel()
}

// readStreams reads each channel's stream type, streamReads at a time.
func (p *pipeline) readStreams(ctx context.Context, ids []int64, out []streamRead) {
	var g errgroup.Group
	g.SetLimit(streamReads)
	for i, id := range ids {
		g.Go(func() error {
			st, err := p.polyv.StreamType(ctx, id)
			out[i] = streamRead{st: st, err: err}
			return nil
		})
	}
	_ = g.Wait() // a failure is kept in out
}

// stories puts what was read together, channel by channel.
func (r *parts) stories(ids []int64, statuses map[int64]polyv.LiveStatus, read bool) []story {
	out := make([]story, len(ids))
	for i, id := range ids {
		s := story{id: id, names: r.names, read: read}
		s.status, s.listed = statuses[id]
		s.viewers, s.counted = r.viewers[id]
		if r.streams != nil {
			sr := r.streams[i]
			s.stream, s.streamed = sr.st, sr.err == nil
			s.notFound = errors.Is(sr.err, polyv.ErrChannelNotFound)
		}
		out[i] = s
	}
	return out
}
