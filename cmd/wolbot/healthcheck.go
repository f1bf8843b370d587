package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// runHealthcheck is "wolbot healthcheck [--ready] [--timeout 3s]": GET /healthz (or /readyz)
// at WOLBOT_ADMIN_LISTEN (default 127.0.0.1:9090) on this machine; exit 0 on 200, else 1 (Docker reserves 2). The container
// image has no shell or curl, so the binary checks itself.
func runHealthcheck(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("wolbot healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ready := fs.Bool("ready", false, "ask /readyz (Redis reachable, chat connected) instead of /healthz (process alive)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		if err == nil {
			fmt.Fprintf(stderr, "wolbot healthcheck: unexpected argument %q\n", fs.Arg(0))
		}
		return 1
	}
	target, err := healthURL(getenv("WOLBOT_ADMIN_LISTEN"), *ready)
	if err != nil {
		fmt.Fprintf(stderr, "wolbot healthcheck: %v\n", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		fmt.Fprintf(stderr, "wolbot healthcheck: %v\n", err)
		return 1
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil}} // never via HTTP_PROXY
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "wolbot healthcheck: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "wolbot healthcheck: %s answered %s\n", target, resp.Status)
		return 1
	}
	return 0
}

// healthURL turns the admin listen address into one to call locally: ":9090" and
// "0.0.0.0:9090" become 127.0.0.1:9090, "[::]:9090" becomes [::1]:9090; empty means
// 127.0.0.1:9090.
func healthURL(listen string, ready bool) (string, error) {
	if listen == "" {
		listen = defaultAdminListen
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("WOLBOT_ADMIN_LISTEN=%q: %w", listen, err)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	path := "/healthz"
	if ready {
		path = "/readyz"
	}
	return "http://" + net.JoinHostPort(host, port) + path, nil
}
