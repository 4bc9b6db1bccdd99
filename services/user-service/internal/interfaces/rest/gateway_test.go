package rest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/example/user-platform/services/user-service/internal/interfaces/rest"
)

type fakeHealth map[string]bool

func (f fakeHealth) Serving(_ context.Context, service string) bool { return f[service] }

func TestProbes(t *testing.T) {
	t.Parallel()
	h := fakeHealth{"liveness": true, "user.v1.UserService": false}
	gw, err := rest.NewGateway(context.Background(), "127.0.0.1:1", h, "liveness", "user.v1.UserService")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = gw.Close() }()
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/healthz", http.StatusOK},
		{http.MethodHead, "/healthz", http.StatusOK},
		{http.MethodGet, "/readyz", http.StatusServiceUnavailable},
		{http.MethodPost, "/healthz", http.StatusMethodNotAllowed},
		{http.MethodGet, "/v1/nope", http.StatusNotFound},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		gw.Handler().ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if rec.Code != tt.want {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, rec.Code, tt.want)
		}
	}
}
