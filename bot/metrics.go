package bot

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/polyvbot/polyvbot/polyv"
)

// Metrics are the bot's Prometheus series. All names start with polyvbot_.
type Metrics struct {
	commands        *prometheus.CounterVec   // verb, outcome
	denials         *prometheus.CounterVec   // reason
	limiterRefusals *prometheus.CounterVec   // scope: user, global
	limiterWait     *prometheus.HistogramVec // scope
	polyvRequests   *prometheus.CounterVec   // op, result
	polyvLatency    *prometheus.HistogramVec // op
	ackLatency      prometheus.Histogram
	reconnects      prometheus.Counter
	inFlight        prometheus.Gauge
	connected       prometheus.Gauge
}

// NewMetrics creates the series and registers them with reg (nil: not
// registered, for tests that do not read them).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		commands:        counterVec("polyvbot_commands_total", "Slash commands by verb and final outcome.", "verb", "outcome"),
		denials:         counterVec("polyvbot_denials_total", "Commands refused by the permission policy, by reason.", "reason"),
		limiterRefusals: counterVec("polyvbot_limiter_refusals_total", "Calls refused by a token bucket, by scope (user, global).", "scope"),
		limiterWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "polyvbot_limiter_wait_seconds", Help: "Time spent waiting for a token, by scope.",
			Buckets: []float64{0, .01, .1, .5, 1, 2, 5},
		}, []string{"scope"}),
		polyvRequests: counterVec("polyvbot_polyv_requests_total", "Polyv HTTP attempts by operation and result kind.", "op", "result"),
		polyvLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "polyvbot_polyv_request_duration_seconds", Help: "Polyv HTTP round trips by operation.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}, []string{"op"}),
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "polyvbot_ack_latency_seconds", Help: "From a Socket Mode envelope's arrival to its ack being queued.",
			Buckets: []float64{.0001, .0005, .001, .002, .005, .01, .05, .1, .5, 1},
		}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "polyvbot_socket_reconnects_total", Help: "Socket Mode connections opened after the first.",
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "polyvbot_inflight_actions", Help: "Commands accepted and not yet finished.",
		}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "polyvbot_socket_connected", Help: "1 while the Socket Mode connection is up and hello was received.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.commands, m.denials, m.limiterRefusals, m.limiterWait, m.polyvRequests,
			m.polyvLatency, m.ackLatency, m.reconnects, m.inFlight, m.connected)
	}
	return m
}

// counterVec is a labelled counter, as most series are: one line each
// keeps NewMetrics a list of the series.
func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// ObservePolyv records one Polyv attempt or limiter refusal; pass it to
// polyv.WithObserver.
func (m *Metrics) ObservePolyv(e polyv.Event) {
	if e.Attempt == 0 {
		if e.Err != nil {
			m.limiterRefusals.WithLabelValues("global").Inc()
		}
		return
	}
	m.limiterWait.WithLabelValues("global").Observe(e.Wait.Seconds())
	m.polyvRequests.WithLabelValues(e.Op, polyv.Kind(e.Err)).Inc()
	m.polyvLatency.WithLabelValues(e.Op).Observe(e.Duration.Seconds())
}

func (m *Metrics) observeAck(d time.Duration) { m.ackLatency.Observe(d.Seconds()) }
