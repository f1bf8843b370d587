package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHealthURL(t *testing.T) {
	tests := []struct {
		listen string
		ready  bool
		want   string
		ok     bool
	}{
		{"", false, "http://127.0.0.1:9090/healthz", true},
		{":9090", true, "http://127.0.0.1:9090/readyz", true},
		{"0.0.0.0:8080", false, "http://127.0.0.1:8080/healthz", true},
		{"[::]:8080", false, "http://[::1]:8080/healthz", true},
		{"10.0.0.5:8080", false, "http://10.0.0.5:8080/healthz", true},
		{"8080", false, "", false},
	}
	for _, tt := range tests {
		got, err := healthURL(tt.listen, tt.ready)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("healthURL(%q, %v) = %q, %v; want %q ok=%v", tt.listen, tt.ready, got, err, tt.want, tt.ok)
		}
	}
}

func TestHealthcheckCommand(t *testing.T) {
	readyStatus := http.StatusServiceUnavailable
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			w.WriteHeader(http.StatusOK)
		case "/readyz":
			w.WriteHeader(readyStatus)
		}
	}))
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	vars := map[string]string{"WOLBOT_ADMIN_LISTEN": ":" + port}
	check := func(args ...string) int {
		var errs bytes.Buffer
		return run(context.Background(), append([]string{"healthcheck"}, args...), nil, &bytes.Buffer{}, &errs, env(vars))
	}
	if code := check(); code != 0 {
		t.Errorf("healthz: exit %d, want 0", code)
	}
	if code := check("--ready"); code != 1 {
		t.Errorf("readyz answering 503: exit %d, want 1", code)
	}
	readyStatus = http.StatusOK
	if code := check("--ready"); code != 0 {
		t.Errorf("readyz answering 200: exit %d, want 0", code)
	}
	if code := check("extra"); code != 1 {
		t.Errorf("extra argument: exit %d, want 1", code)
	}
	srv.Close()
	if code := check(); code != 1 {
		t.Errorf("nothing listening: exit %d, want 1", code)
	}
}
