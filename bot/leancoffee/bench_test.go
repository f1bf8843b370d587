package leancoffee

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

// nopChat accepts everything and does nothing: the benchmark measures the core, not a chat.
type nopChat struct{ posts atomic.Int64 }

func (c *nopChat) Post(context.Context, string, adapters.Message) (adapters.PostRef, error) {
	return adapters.PostRef{ID: "p" + strconv.FormatInt(c.posts.Add(1), 10)}, nil
}
func (*nopChat) Update(context.Context, adapters.PostRef, adapters.Message) error { return nil }
func (*nopChat) Ephemeral(context.Context, string, string, adapters.Message) error {
	return nil
}
func (*nopChat) DirectMessage(context.Context, string, adapters.Message) (adapters.PostRef, error) {
	return adapters.PostRef{}, nil
}
func (*nopChat) CreatePrivateChannel(context.Context, string, string, []string) (string, error) {
	return "", nil
}
func (*nopChat) InviteToChannel(context.Context, string, []string) error { return nil }
func (*nopChat) LookupUser(_ context.Context, id string) (adapters.User, error) {
	return adapters.User{ID: id, Name: id}, nil
}

// roundTrips counts commands and pipelines sent to Redis: each is one round trip.
type roundTrips struct{ n atomic.Int64 }

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// benchParallelism is goroutines per core for both sub-benchmarks: the same concurrency.
const benchParallelism = 8

// BenchmarkVote compares, in one run, against the same Redis and at the same concurrency:
//
//   - core: votes through the whole core (event in → router → vote script → board re-rendered →
//     reply → no-op chat);
//   - vote-script: the vote's one EVALSHA round trip alone, same script and arguments (a
//     current round version, as the core sends), no core;
//   - raw-evalsha: the floor, an EVALSHA of a one-command script.
//
// Run:
//
//	go test -run '^$' -bench BenchmarkVote -benchtime 3s ./bot/leancoffee
func BenchmarkVote(b *testing.B) {
	b.Run("core", benchmarkVoteCore)
	b.Run("vote-script", benchmarkVoteScript)
	b.Run("raw-evalsha", benchmarkRawEvalsha)
}

// voterLoop runs the benchmark's body in parallel: each goroutine has 16 voters; each voter
// alternates vote and unvote of one topic, so every operation is an accepted change and the
// limits never stop the benchmark.
func voterLoop(b *testing.B, vote func(user string, topic int, add bool)) {
	var goroutines atomic.Int64
	b.SetParallelism(benchParallelism)
	b.RunParallel(func(pb *testing.PB) {
		g := goroutines.Add(1)
		const voters = 16
		voted := make([]bool, voters)
		for i := 0; pb.Next(); i++ {
			v := i % voters
			vote("g"+strconv.FormatInt(g, 10)+"u"+strconv.Itoa(v), v%10+1, !voted[v])
			voted[v] = !voted[v]
		}
	})
}

// benchRound starts a round with ten topics in voting on a fresh namespace.
func benchRound(b *testing.B) (*storage.Store, *bot.Bot, *Feature, func(user, text string)) {
	store := redistest.Store(b)
	chat := &nopChat{}
	timers := storage.NewTimers(store, storage.TimerOptions{})
	core := bot.New(bot.Options{Store: store, Chat: chat, Logger: zerolog.Nop(), RateLimit: bot.RateLimit{Disabled: true}})
	lc := New(Options{Store: store, Chat: chat, Timers: timers, Location: time.UTC})
	core.Handle("lc", lc)
	ctx := context.Background()
	var ids atomic.Int64
	send := func(user, text string) {
		core.HandleEvent(ctx, adapters.Event{Kind: adapters.KindCommand, Platform: "bench", Channel: "c",
			User: user, UserName: user, ID: strconv.FormatInt(ids.Add(1), 10), Text: text})
	}
	send("mod", "lc start votes=1")
	for i := range 10 {
		send("mod", "lc topic Thema "+strconv.Itoa(i))
	}
	send("mod", "lc next")
	return store, core, lc, send
}

func benchmarkVoteScript(b *testing.B) {
	store, _, lc, _ := benchRound(b)
	k := lc.st.keys("bench::c")
	ctx := context.Background()
	var ids atomic.Int64
	// The token is the round's id and structural version as Redis has them now, as the core
	// sends after its first vote: a stale token would make every call return the whole round
	// and its stats, more work than the core does. (The feature's cached copy may lag behind
	// the round's last transition; the core refreshes it from its first script reply.)
	cur, err := store.Client.HMGet(ctx, k.round, "id", "mver").Result()
	if err != nil {
		b.Fatal(err)
	}
	token := fmt.Sprint(cur[0]) + ":" + fmt.Sprint(cur[1])
	probe, err := voteScript.Run(ctx, store.Client, lc.st.scriptKeys(k, ""), "0", "86400", "", token, "probe", "1", "1").Slice()
	if err != nil {
		b.Fatal(err)
	}
	if round, _ := probe[4].([]any); len(probe) < 8 || len(round) != 0 {
		b.Fatalf("the baseline's token %s is stale: the script returned the round (%d fields)", token, len(round))
	}
	b.ResetTimer()
	start := time.Now()
	voterLoop(b, func(user string, topic int, add bool) {
		delta := "1"
		if !add {
			delta = "-1"
		}
		id := strconv.FormatInt(ids.Add(1), 10)
		err := voteScript.Run(ctx, store.Client, lc.st.scriptKeys(k, store.DedupeKey(k.chanKey, "s"+id)),
			"1", "86400", "", token, user, strconv.Itoa(topic), delta).Err()
		if err != nil {
			b.Error(err)
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "votes/s")
}

func benchmarkVoteCore(b *testing.B) {
	store, _, _, send := benchRound(b)
	hook := &roundTrips{}
	store.Client.AddHook(hook)
	b.ResetTimer()
	before := hook.n.Load()
	start := time.Now()
	voterLoop(b, func(user string, topic int, add bool) {
		cmd := "lc vote "
		if !add {
			cmd = "lc unvote "
		}
		send(user, cmd+strconv.Itoa(topic))
	})
	elapsed := time.Since(start)
	b.StopTimer()
	// A voter's first vote also reads their language (then cached); that round trip is
	// included in the figure.
	b.ReportMetric(float64(hook.n.Load()-before)/float64(b.N), "roundtrips/op")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "votes/s")
}

func benchmarkRawEvalsha(b *testing.B) {
	store := redistest.Store(b)
	sc := redis.NewScript(`return redis.call('HINCRBY', KEYS[1], ARGV[1], 1)`)
	key := store.Key("bench", "{raw}")
	ctx := context.Background()
	if err := sc.Load(ctx, store.Client).Err(); err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(benchParallelism)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := sc.EvalSha(ctx, store.Client, []string{key}, "n").Err(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "evals/s")
}

// Assert at compile time that the benchmark's chat satisfies the port.
var _ adapters.Chat = (*nopChat)(nil)
