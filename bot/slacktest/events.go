package slacktest

import (
	"context"
	"time"
)

// SendEvent delivers an "events_api" envelope whose payload is payload (an
// event_callback) marshalled to JSON, routed as SendSlashCommand is.
//
// Unlike slash commands and interactive payloads, Slack retries an event
// whose ack does not arrive in time, over whichever connection it then
// picks. So does the fake: when no attempt of the event has been acked
// within the ack timeout (WithAckTimeout), it waits the next retry delay
// (WithEventRetries) and sends the same payload again in a new envelope
// with retry_attempt 1, 2, 3 and retry_reason "timeout", until an attempt
// is acked, the delays run out or the server closes. Receivers should
// deduplicate on the payload's event_id.
func (s *Server) SendEvent(ctx context.Context, payload any) (envelopeID string, err error) {
	first := Envelope{EnvelopeID: newEnvelopeID(), Type: "events_api"}
	if _, err := s.sendEnvelope(ctx, 0, first, false, payload); err != nil {
		return "", err
	}
	if len(s.eventRetries) == 0 {
		return first.EnvelopeID, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isClosed() {
		return first.EnvelopeID, nil
	}
	s.wg.Add(1) // under the lock, so Close cannot be waiting already
	go s.retryEvent(first.EnvelopeID, payload)
	return first.EnvelopeID, nil
}

// WithAckTimeout sets how long the server waits for an event's ack before it
// schedules a retry (default 3s, Slack's limit).
func WithAckTimeout(d time.Duration) Option { return func(s *Server) { s.ackTimeout = d } }

// WithEventRetries sets the pause before each retry of an unacked event,
// counted from the ack timeout; their number is the number of retries.
// The default is Slack's: at once, after a minute, after five minutes.
// WithEventRetries() with no delays turns retries off.
func WithEventRetries(delays ...time.Duration) Option {
	return func(s *Server) { s.eventRetries = append([]time.Duration(nil), delays...) }
}

// defaultEventRetries is Slack's documented retry schedule for events.
var defaultEventRetries = []time.Duration{0, time.Minute, 5 * time.Minute}

// retryEvent resends the event first named until some attempt is acked.
func (s *Server) retryEvent(first string, payload any) {
	defer s.wg.Done()
	for attempt, delay := range s.eventRetries {
		if s.awaitEventAck(first, s.ackTimeout) || !s.pause(delay) || s.eventAcked(first) {
			return
		}
		retry := Envelope{
			EnvelopeID: newEnvelopeID(), Type: "events_api",
			RetryAttempt: attempt + 1, RetryReason: "timeout", RetryOf: first,
		}
		// The context never ends; Close ends the wait for a socket.
		if _, err := s.sendEnvelope(context.Background(), 0, retry, false, payload); err != nil {
			s.log.Debug("slacktest: event retry not sent", "envelope", retry.EnvelopeID, "err", err)
			return
		}
	}
}

// awaitEventAck waits up to d for an ack of any attempt of the event first
// named, and reports whether one arrived; a closing server counts as acked,
// so retries stop.
func (s *Server) awaitEventAck(first string, d time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	err := s.WaitFor(ctx, func(s *Server) bool { return s.eventAcked(first) })
	return err == nil || s.isClosed()
}

func (s *Server) eventAcked(first string) bool {
	var acked bool
	s.read(func(st *state) {
		for _, e := range st.envelopes {
			if e.Acked && e.chain() == first {
				acked = true
				return
			}
		}
	})
	return acked
}

// pause waits d and reports false if the server closed first.
func (s *Server) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.closed:
		return false
	}
}
