package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/storage"
)

// Key schema (owned by this file):
//
//	wolbot:<ns>:user:{<platform>:<user>}:lang   STRING  the user's chosen language ("de", "en")

// prefsCacheTTL bounds how long a replica may answer in a language another replica has just
// changed. The cache exists so that hot paths (votes) need no extra round trip per event.
const prefsCacheTTL = time.Minute

// prefs stores users' language choices in Redis with a small, droppable in-process cache.
type prefs struct {
	store *storage.Store

	mu    sync.Mutex
	cache map[string]cachedLang
}

type cachedLang struct {
	lang    string // "" means: no choice stored
	expires time.Time
}

func newPrefs(s *storage.Store) *prefs {
	return &prefs{store: s, cache: make(map[string]cachedLang)}
}

func (p *prefs) key(ev adapters.Event) string { return p.keyFor(ev.Platform, ev.User) }

func (p *prefs) keyFor(platform, user string) string {
	return p.store.Key("user", storage.Tag(platform+":"+user), "lang")
}

// stored reads a user's stored choice past the cache ("" when none), for the data export.
func (p *prefs) stored(ctx context.Context, platform, user string) (string, error) {
	lang, err := p.store.Client.Get(ctx, p.keyFor(platform, user)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("bot: read language: %w", err)
	}
	return lang, nil
}

// forget drops a user's cached choice after their data was deleted; other replicas' caches
// hold it for prefsCacheTTL at most.
func (p *prefs) forget(platform, user string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.cache, p.keyFor(platform, user))
}

// lang resolves the language for an event's user. A Redis failure is logged and answered in
// the platform's or default language: a language is never worth failing a command for.
func (p *prefs) lang(ctx context.Context, ev adapters.Event, log *zerolog.Logger) string {
	chosen, err := p.chosen(ctx, ev)
	if err != nil {
		log.Warn().Err(err).Msg("language preference unavailable")
	}
	if chosen != "" {
		return chosen
	}
	if l := NormalizeLang(ev.Locale); l != "" {
		return l
	}
	return DefaultLang
}

func (p *prefs) chosen(ctx context.Context, ev adapters.Event) (string, error) {
	key := p.key(ev)
	now := time.Now()
	p.mu.Lock()
	c, ok := p.cache[key]
	p.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.lang, nil
	}
	lang, err := p.store.Client.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		lang, err = "", nil
	}
	if err != nil {
		return "", fmt.Errorf("bot: read language: %w", err)
	}
	p.remember(key, lang)
	return lang, nil
}

func (p *prefs) setLang(ctx context.Context, ev adapters.Event, lang string) error {
	key := p.key(ev)
	if err := p.store.Client.Set(ctx, key, lang, 0).Err(); err != nil {
		return fmt.Errorf("bot: store language: %w", err)
	}
	p.remember(key, lang)
	return nil
}

func (p *prefs) remember(key, lang string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.cache) > 100_000 { // a cache, not a store: dropping it only costs round trips
		clear(p.cache)
	}
	p.cache[key] = cachedLang{lang: lang, expires: time.Now().Add(prefsCacheTTL)}
}
