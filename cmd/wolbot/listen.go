package main

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/storage"
)

// Limits of both HTTP listeners. The platforms' callbacks are a few kilobytes and answered at
// once (the work runs afterwards), so a client that sends its request slowly is either broken
// or an attack: it is cut off after readTimeout instead of holding a connection open.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second // the whole request, headers and body
	writeTimeout      = 15 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 32 << 10
)

// defaultAdminListen is WOLBOT_ADMIN_LISTEN's default when a platform is configured: health
// and metrics on the loopback interface only.
const defaultAdminListen = "127.0.0.1:9090"

// limited sets the timeouts and the header size limit on a server.
func limited(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

// newHTTPServer serves the adapter's platform callbacks on WOLBOT_LISTEN, the address the
// platform reaches: nothing else, no metrics and no health.
func newHTTPServer(listen string, p platform, h adapters.Handler) *http.Server {
	mux := http.NewServeMux()
	if rt, ok := p.(router); ok {
		rt.Routes(mux, h)
	}
	return limited(listen, mux)
}

// newAdminServer serves /healthz, /readyz and /metrics on WOLBOT_ADMIN_LISTEN, an internal
// address (loopback by default). /readyz is honest: it fails when Redis does not accept a
// write (unreachable, or out of memory under maxmemory) or the chat is disconnected.
func newAdminServer(listen string, store *storage.Store, p platform, metricsHandler http.Handler) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metricsHandler)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := store.Client.Set(ctx, store.Key("readyz"), time.Now().Unix(), time.Minute).Err(); err != nil {
			http.Error(w, "redis refuses writes", http.StatusServiceUnavailable)
			return
		}
		if c, ok := p.(connector); ok && !c.Connected() {
			http.Error(w, "chat not connected", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	return limited(listen, mux)
}
