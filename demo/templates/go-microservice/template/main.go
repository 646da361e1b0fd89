// Command ${{ values.name }} is an HTTP service created from Acme's Go golden path.
//
// It serves liveness (/healthz) and readiness (/readyz) probes, Prometheus metrics (/metrics),
// exports OpenTelemetry traces when OTEL_EXPORTER_OTLP_ENDPOINT is set, logs JSON with slog and
// drains in-flight requests on SIGTERM.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

const (
	serviceName     = "${{ values.name }}"
	// Kubernetes waits terminationGracePeriodSeconds (30s in the chart) before SIGKILL; stay below it.
	shutdownTimeout = 20 * time.Second
)

var (
	requestsTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total",
		Help: "HTTP requests served, by route, method and status code.",
	}, []string{"route", "method", "code"})
	requestDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "http_request_duration_seconds",
		Help:    "HTTP request latency, by route, method and status code.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route", "method", "code"})
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: logLevel()}))
	slog.SetDefault(logger)
	if err := run(logger); err != nil {
		logger.Error("server stopped", "error", err)
		os.Exit(1)
	}
}

func run(logger *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	shutdownTracing, err := setupTracing(ctx, logger)
	if err != nil {
		return fmt.Errorf("set up tracing: %w", err)
	}

	var ready atomic.Bool
	server := &http.Server{
		Addr:              ":" + envOr("PORT", "8080"),
		Handler:           newHandler(&ready),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelError),
	}
	serveErr := make(chan error, 1)
	go func() {
		logger.Info("listening", "addr", server.Addr, "service", serviceName)
		serveErr <- server.ListenAndServe()
	}()
	ready.Store(true)

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}

	// Fail readiness first so the Service stops routing new requests here, then drain.
	ready.Store(false)
	logger.Info("shutting down", "timeout", shutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("drain requests: %w", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return shutdownTracing(shutdownCtx)
}

// newHandler routes the API and the operational endpoints. Probes and /metrics are neither
// traced nor counted: they would drown the service's own traffic in the dashboards.
func newHandler(ready *atomic.Bool) http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern, route string, h http.HandlerFunc) {
		labels := prometheus.Labels{"route": route}
		var next http.Handler = promhttp.InstrumentHandlerDuration(requestDuration.MustCurryWith(labels),
			promhttp.InstrumentHandlerCounter(requestsTotal.MustCurryWith(labels), h))
		mux.Handle(pattern, otelhttp.NewHandler(next, route))
	}
	handle("GET /{$}", "/", hello)

	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.Handler())
	return mux
}

func hello(w http.ResponseWriter, r *http.Request) {
	slog.InfoContext(r.Context(), "hello", "remote", r.RemoteAddr)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"service": serviceName, "message": "hello"})
}

// setupTracing exports spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set; the exporter
// reads that variable (and OTEL_EXPORTER_OTLP_HEADERS, ...) itself. Without it, tracing is off.
func setupTracing(ctx context.Context, logger *slog.Logger) (func(context.Context) error, error) {
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" {
		logger.Info("tracing disabled: OTEL_EXPORTER_OTLP_ENDPOINT is not set")
		return func(context.Context) error { return nil }, nil
	}
	exporter, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	// Later options win, so OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the default name.
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", serviceName)),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(),
	)
	if err != nil {
		return nil, err
	}
	provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	otel.SetTracerProvider(provider)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	logger.Info("tracing enabled", "endpoint", os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT"))
	return provider.Shutdown, nil
}

func logLevel() slog.Level {
	var level slog.Level
	if err := level.UnmarshalText([]byte(envOr("LOG_LEVEL", "INFO"))); err != nil {
		return slog.LevelInfo
	}
	return level
}

func envOr(key, fallback string) string {
	if value, ok := os.LookupEnv(key); ok && value != "" {
		return value
	}
	return fallback
}
