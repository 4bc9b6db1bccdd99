package testutil

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// HTTPDo sends one request (a JSON body when body is not empty) with a 5 s
// deadline and returns the status, the headers and the whole body. Transport
// errors fail the test.
func HTTPDo(t testing.TB, client *http.Client, method, url, body string) (int, http.Header, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, got
}
