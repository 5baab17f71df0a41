package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/clientip"
	"github.com/leadrouter/leadrouter/store"
)

type requestIDKey struct{}

// RequestID returns the request's id (from X-Request-ID or generated).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Metrics are the server's Prometheus collectors, on a registry of their own.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics creates and registers the HTTP collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "leadrouter_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "leadrouter_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"route"}),
	}
	m.Registry.MustRegister(m.requests, m.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// watchStore adds gauges of the background work the database holds,
// read when scraped: the leads the company and name indexer has not
// reached yet (a lead is found by name and company words once it has), and
// the webhook events an older PostgreSQL transaction holds back from
// subscribers (always 0 on SQLite). A read that fails or takes over two
// seconds reports NaN.
func (m *Metrics) watchStore(db *store.DB) {
	gauge := func(name, help string, read func(ctx context.Context) (int64, error)) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := read(ctx)
			if err != nil {
				return math.NaN()
			}
			return float64(n)
		})
	}
	m.Registry.MustRegister(
		gauge("leadrouter_index_lag_leads", "Stored leads the company and name indexer has not reached yet.", db.LeadsToIndex),
		gauge("leadrouter_webhook_events_held_back", "Webhook events no subscription may read yet because an older PostgreSQL transaction is still running.", db.EventsHeldBack),
	)
}

// observe wraps next with request ids, body limits, panic recovery, access
// logs and metrics.
func observe(next http.Handler, logger *slog.Logger, metrics *Metrics, maxBody int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if !validRequestID(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-ID", id)
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		// Authentication runs inside next, on a child context: it puts
		// the actor in this holder so the access log below can name it.
		ctx, who := leadrouter.NewContextWithActorHolder(ctx)
		r = r.WithContext(ctx)
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				logger.ErrorContext(ctx, "panic", "panic", p, "path", r.URL.Path, "request_id", id)
				if rec.status == 0 {
					WriteError(rec, r, logger, leadrouter.Errorf(leadrouter.EINTERNAL, "panic"))
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			actor := who.Actor()
			if metrics != nil {
				metrics.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
				metrics.latency.WithLabelValues(route).Observe(elapsed.Seconds())
			}
			logger.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", status), slog.Int("bytes", rec.bytes), slog.Duration("duration", elapsed),
				slog.String("request_id", id), slog.String("remote", clientip.Addr(r)), slog.String("actor", actor.UserID), slog.String("role", string(actor.Role)),
				slog.String("partner_id", actor.PartnerID))
		}()
		next.ServeHTTP(rec, r)
	})
}
