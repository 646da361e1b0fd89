package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestHealthzAlwaysAnswers(t *testing.T) {
	var ready atomic.Bool
	if rec := get(t, newHandler(&ready), "/healthz"); rec.Code != http.StatusOK {
		t.Fatalf("/healthz = %d, want 200", rec.Code)
	}
}

func TestReadyzFollowsReadiness(t *testing.T) {
	var ready atomic.Bool
	h := newHandler(&ready)
	if rec := get(t, h, "/readyz"); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz before start = %d, want 503", rec.Code)
	}
	ready.Store(true)
	if rec := get(t, h, "/readyz"); rec.Code != http.StatusOK {
		t.Fatalf("/readyz when ready = %d, want 200", rec.Code)
	}
}

func TestMetricsCountRequests(t *testing.T) {
	var ready atomic.Bool
	h := newHandler(&ready)
	get(t, h, "/")
	body := get(t, h, "/metrics").Body.String()
	if !strings.Contains(body, `http_requests_total{code="200",method="get",route="/"}`) {
		t.Fatalf("/metrics does not count the request:\n%s", body)
	}
}

func TestUnknownPathIs404(t *testing.T) {
	var ready atomic.Bool
	if rec := get(t, newHandler(&ready), "/nope"); rec.Code != http.StatusNotFound {
		t.Fatalf("/nope = %d, want 404", rec.Code)
	}
}
