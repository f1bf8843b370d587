package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/wolbot/wolbot/storage"
)

// runTimersDead is "wolbot timers dead [--limit N] [--requeue ID]... [--requeue-all] [--drop ID]...":
// the dead-letter set of durable timers that were given up (a permanent platform error, or
// their retries ran out). Without an action it lists them, newest first; --requeue puts a
// timer back into its lane, due at once with fresh attempts; --drop deletes it. It connects
// with the same REDIS_URL, REDIS_ADDRS, REDIS_MASTER_NAME and WOLBOT_NAMESPACE as the bot.
func runTimersDead(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("wolbot timers dead", flag.ContinueOnError)
	fs.SetOutput(stderr)
	limit := fs.Int("limit", 50, "list at most this many timers")
	var requeue, drop []string
	fs.Func("requeue", "put the given-up timer with this id back into its lane (repeatable)", func(s string) error {
		requeue = append(requeue, s)
		return nil
	})
	fs.Func("drop", "delete the given-up timer with this id (repeatable)", func(s string) error {
		drop = append(drop, s)
		return nil
	})
	requeueAll := fs.Bool("requeue-all", false, "put every given-up timer back into its lane")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "wolbot timers dead: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg, err := loadConfig(nil, getenv, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "wolbot: %v\n", err)
		return 2
	}
	if cfg.RedisURL == "" && len(cfg.RedisAddrs) == 0 {
		fmt.Fprintln(stderr, "wolbot timers dead: REDIS_URL (or REDIS_ADDRS) is required: the embedded Redis holds no timers of a running bot")
		return 2
	}
	store, err := storage.Open(ctx, storage.Options{URL: cfg.RedisURL, Addrs: cfg.RedisAddrs, MasterName: cfg.MasterName, Namespace: cfg.Namespace})
	if err != nil {
		fmt.Fprintf(stderr, "wolbot timers dead: %v\n", err)
		return 1
	}
	defer store.Close()
	timers := storage.NewTimers(store, storage.TimerOptions{})

	if *requeueAll {
		dead, err := timers.Dead(ctx, 10000)
		if err != nil {
			fmt.Fprintf(stderr, "wolbot timers dead: %v\n", err)
			return 1
		}
		for _, d := range dead {
			requeue = append(requeue, d.ID)
		}
	}
	code := 0
	for _, id := range requeue {
		ok, err := timers.RequeueDead(ctx, id)
		switch {
		case errors.Is(err, storage.ErrTimerExists):
			fmt.Fprintf(stderr, "%s: not requeued, a live timer has this id (drop the dead one with --drop)\n", id)
			code = 1
		case err != nil:
			fmt.Fprintf(stderr, "%s: %v\n", id, err)
			code = 1
		case !ok:
			fmt.Fprintf(stderr, "%s: no such given-up timer\n", id)
			code = 1
		default:
			fmt.Fprintf(stdout, "requeued %s\n", id)
		}
	}
	for _, id := range drop {
		ok, err := timers.DropDead(ctx, id)
		switch {
		case err != nil:
			fmt.Fprintf(stderr, "%s: %v\n", id, err)
			code = 1
		case !ok:
			fmt.Fprintf(stderr, "%s: no such given-up timer\n", id)
			code = 1
		default:
			fmt.Fprintf(stdout, "dropped %s\n", id)
		}
	}
	if len(requeue) > 0 || len(drop) > 0 {
		return code
	}

	dead, err := timers.Dead(ctx, *limit)
	if err != nil {
		fmt.Fprintf(stderr, "wolbot timers dead: %v\n", err)
		return 1
	}
	total, err := timers.DeadCount(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "wolbot timers dead: %v\n", err)
		return 1
	}
	// Payloads are not shown: they may name people or channels.
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "GAVE UP (UTC)\tLANE\tKIND\tATTEMPTS\tDUE (UTC)\tID\tERROR")
	for _, d := range dead {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", d.GaveUp.UTC().Format(time.DateTime), d.Lane, d.Kind, d.Attempt,
			d.Due.UTC().Format(time.DateTime), d.ID, d.Err)
	}
	_ = w.Flush()
	fmt.Fprintf(stdout, "%d of %d given-up timers shown\n", len(dead), total)
	return 0
}
