package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The health server's paths and the port the deploy manifests use; the YAML
// tests compare deploy/ against these.
const (
	healthzPath       = "/healthz"
	readyzPath        = "/readyz"
	metricsPath       = "/metrics"
	defaultHealthPort = 8080

	// healthShutdownTimeout lets in-flight scrapes finish after the bot has
	// drained; the deploy manifests' stop timeouts count it in.
	healthShutdownTimeout = 2 * time.Second
)

// readiness reports whether the bot can take commands, and why not.
type readiness func() (ok bool, why string)

// healthHandler serves /healthz (the process answers), /readyz (200 only while
// ready, else 503 with the reason) and /metrics from reg.
func healthHandler(ready readiness, reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+healthzPath, func(w http.ResponseWriter, _ *http.Request) {
		writeText(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET "+readyzPath, func(w http.ResponseWriter, _ *http.Request) {
		if ok, why := ready(); !ok {
			writeText(w, http.StatusServiceUnavailable, "not ready: "+why)
			return
		}
		writeText(w, http.StatusOK, "ready")
	})
	mux.Handle("GET "+metricsPath, promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return mux
}

// healthServer is the HTTP server behind HEALTH_ADDR.
type healthServer struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// startHealth listens on addr at once (so a taken port fails start-up, not
// some later moment) and serves h in the background.
func startHealth(addr string, h http.Handler, log *slog.Logger) (*healthServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("health server on HEALTH_ADDR=%s: %w", addr, err)
	}
	s := &healthServer{
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)},
		ln:  ln, done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("health server stopped", "err", err)
		}
	}()
	log.Info("health server listening", "addr", ln.Addr().String(),
		"paths", []string{healthzPath, readyzPath, metricsPath})
	return s, nil
}

// Addr is the bound address (useful when addr asked for port 0).
func (s *healthServer) Addr() string { return s.ln.Addr().String() }

// shutdown lets in-flight scrapes finish for a moment, then closes.
func (s *healthServer) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), healthShutdownTimeout)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
	<-s.done
}

func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = fmt.Fprintln(w, text)
}
