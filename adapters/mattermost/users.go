package mattermost

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wolbot/wolbot/adapters"
)

// maxCachedUsers bounds the user cache; when it is full it is emptied, which is cheap and
// keeps the cache a cache.
const maxCachedUsers = 10000

// userCache remembers users for a few minutes, so that the locale of a busy participant is not
// fetched for every vote. It may be dropped at any moment.
type userCache struct {
	ttl time.Duration

	mu     sync.Mutex
	byID   map[string]cachedUser
	byName map[string]string // lower-case user name → id
}

type cachedUser struct {
	user adapters.User
	at   time.Time
}

func newUserCache(ttl time.Duration) *userCache {
	return &userCache{ttl: ttl, byID: make(map[string]cachedUser), byName: make(map[string]string)}
}

func (c *userCache) get(id string) (adapters.User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.getLocked(id)
}

func (c *userCache) getByName(name string) (adapters.User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.byName[strings.ToLower(name)]
	if !ok {
		return adapters.User{}, false
	}
	return c.getLocked(id)
}

// getLocked returns a fresh entry; the caller holds c.mu.
func (c *userCache) getLocked(id string) (adapters.User, bool) {
	e, ok := c.byID[id]
	if !ok || time.Since(e.at) > c.ttl {
		return adapters.User{}, false
	}
	return e.user, true
}

func (c *userCache) put(u adapters.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.byID) >= maxCachedUsers {
		clear(c.byID)
		clear(c.byName)
	}
	c.byID[u.ID] = cachedUser{user: u, at: time.Now()}
	if u.Name != "" {
		c.byName[strings.ToLower(u.Name)] = u.ID
	}
}

func toUser(u *model.User) adapters.User {
	return adapters.User{ID: u.Id, Name: u.Username, Locale: u.Locale, IsBot: u.IsBot}
}

// LookupUser finds a user by id or by user name (with or without a leading @). A user that
// does not exist is reported as an error matching [adapters.ErrNotFound].
func (a *Adapter) LookupUser(ctx context.Context, idOrName string) (adapters.User, error) {
	s := strings.TrimPrefix(strings.TrimSpace(idOrName), "@")
	if s == "" {
		return adapters.User{}, fmt.Errorf("mattermost: lookup user: empty name: %w", adapters.ErrNotFound)
	}
	if model.IsValidId(s) {
		u, err := a.userByID(ctx, s)
		if !errors.Is(err, adapters.ErrNotFound) {
			return u, err
		}
		// A 26-character user name looks like an id; try it as a name too.
	}
	return a.userByName(ctx, s)
}

func (a *Adapter) userByID(ctx context.Context, id string) (adapters.User, error) {
	if u, ok := a.users.get(id); ok {
		return u, nil
	}
	mu, err := call(ctx, a, "get user", func(ctx context.Context) (*model.User, *model.Response, error) {
		return a.client.GetUser(ctx, id, "")
	})
	if err != nil {
		return adapters.User{}, err
	}
	u := toUser(mu)
	a.users.put(u)
	return u, nil
}

func (a *Adapter) userByName(ctx context.Context, name string) (adapters.User, error) {
	if u, ok := a.users.getByName(name); ok {
		return u, nil
	}
	mu, err := call(ctx, a, "get user by name", func(ctx context.Context) (*model.User, *model.Response, error) {
		return a.client.GetUserByUsername(ctx, strings.ToLower(name), "")
	})
	if err != nil {
		return adapters.User{}, err
	}
	u := toUser(mu)
	a.users.put(u)
	return u, nil
}

// userID resolves a user id or handle to an id; a valid id is taken as-is without a call.
func (a *Adapter) userID(ctx context.Context, idOrName string) (string, error) {
	s := strings.TrimSpace(idOrName)
	if model.IsValidId(s) {
		return s, nil
	}
	u, err := a.LookupUser(ctx, s)
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

// enrich fills in the user's name and locale, looked up by the user id: a name the request
// carries is never trusted. It reports false when Mattermost does not know the user (an
// invented id), and the event must be dropped. Any other failed lookup leaves name and locale
// empty: the core then answers in its default language.
func (a *Adapter) enrich(ctx context.Context, ev *adapters.Event) bool {
	if ev.User == "" {
		return true
	}
	u, err := a.userByID(ctx, ev.User)
	if errors.Is(err, adapters.ErrNotFound) || (err == nil && u.ID != ev.User) {
		a.log.Warn().Str("user", ev.User).Str("event", ev.ID).Msg("event of a user Mattermost does not know dropped")
		return false
	}
	if err != nil {
		a.log.Warn().Err(err).Str("user", ev.User).Str("event", ev.ID).Msg("could not look up the user's name and locale")
		ev.UserName = ""
		return true
	}
	ev.Locale = u.Locale
	ev.UserName = u.Name
	return true
}

// checkMember returns nil if user is a member of channel. Positive answers are cached like
// users, so that a busy vote costs one lookup per person.
func (a *Adapter) checkMember(ctx context.Context, channel, user string) error {
	key := channel + "\x00" + user
	if a.members.has(key) {
		return nil
	}
	_, err := call(ctx, a, "get channel member", func(ctx context.Context) (*model.ChannelMember, *model.Response, error) {
		return a.client.GetChannelMember(ctx, channel, user, "")
	})
	if err != nil {
		return err
	}
	a.members.add(key)
	return nil
}

// memberCache remembers for a few minutes that a user is a member of a channel. It may be
// dropped at any moment.
type memberCache struct {
	ttl time.Duration

	mu sync.Mutex
	m  map[string]time.Time // channel + "\x00" + user → when learnt
}

func newMemberCache(ttl time.Duration) *memberCache {
	return &memberCache{ttl: ttl, m: make(map[string]time.Time)}
}

func (c *memberCache) has(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.m[key]
	return ok && time.Since(at) <= c.ttl
}

func (c *memberCache) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCachedUsers {
		clear(c.m)
	}
	c.m[key] = time.Now()
}
