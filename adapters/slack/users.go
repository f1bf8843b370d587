package slack

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/wolbot/wolbot/adapters"
)

const (
	// userTTL is how long users.info answers and the users.list name index are reused. IM
	// channel ids do not expire: they stay cached until dropped (dropIM) or the map is full.
	userTTL = 5 * time.Minute
	// minRescan is how soon after a full users.list scan an unknown name may trigger another
	// one; a typo must not make every command scan the whole workspace.
	minRescan = 30 * time.Second
	// maxCached bounds each cache map; when full it is dropped and refilled on demand.
	maxCached = 10000
)

// idRe matches a Slack user id (U… or, in Enterprise Grid, W…).
var idRe = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)

// userCache holds what Slack said about users, to spare API calls. Everything in it may be
// dropped at any moment.
type userCache struct {
	now func() time.Time

	mu      sync.Mutex
	byID    map[string]cachedUser // user id → users.info answer
	ims     map[string]string     // user id → id of the bot's direct conversation with them
	names   map[string]adapters.User
	namesAt time.Time // when names was filled from users.list; zero: never
}

type cachedUser struct {
	user    adapters.User
	expires time.Time
}

func newUserCache(now func() time.Time) *userCache {
	return &userCache{
		now:  now,
		byID: make(map[string]cachedUser),
		ims:  make(map[string]string),
	}
}

func (c *userCache) get(id string) (adapters.User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byID[id]
	if !ok || c.now().After(e.expires) {
		return adapters.User{}, false
	}
	return e.user, true
}

func (c *userCache) put(u adapters.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.byID) >= maxCached {
		c.byID = make(map[string]cachedUser)
	}
	c.byID[u.ID] = cachedUser{user: u, expires: c.now().Add(userTTL)}
}

func (c *userCache) im(user string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ims[user]
}

func (c *userCache) putIM(user, channel string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.ims) >= maxCached {
		c.ims = make(map[string]string)
	}
	c.ims[user] = channel
}

func (c *userCache) dropIM(user string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.ims, user)
}

// byName looks name up in the users.list index. fresh reports whether the index is recent
// enough to trust a miss.
func (c *userCache) byName(name string) (u adapters.User, ok, fresh bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	age := c.now().Sub(c.namesAt)
	if c.names == nil || age > userTTL {
		return adapters.User{}, false, false
	}
	u, ok = c.names[strings.ToLower(name)]
	return u, ok && u.ID != "", age < minRescan
}

func (c *userCache) setNames(names map[string]adapters.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.names, c.namesAt = names, c.now()
}

// LookupUser finds a user by id ("U123", also "<@U123>") or by handle, with or without "@":
// the Slack user name, or a display name that only one user has. Names are found by scanning
// users.list, which is cached for five minutes. An unknown user wraps [adapters.ErrNotFound].
func (a *Adapter) LookupUser(ctx context.Context, idOrName string) (adapters.User, error) {
	s := strings.TrimSpace(idOrName)
	if m := mentionRe.FindStringSubmatch(s); m != nil && m[0] == s {
		s = m[1]
	}
	s = strings.TrimPrefix(s, "@")
	if s == "" {
		return adapters.User{}, fmt.Errorf("slack: lookup user %q: %w", idOrName, adapters.ErrNotFound)
	}
	if idRe.MatchString(s) {
		return a.userInfo(ctx, s)
	}
	if u, ok, fresh := a.users.byName(s); ok {
		return u, nil
	} else if fresh {
		return adapters.User{}, fmt.Errorf("slack: lookup user %q: %w", idOrName, adapters.ErrNotFound)
	}
	names, err := a.scanUsers(ctx)
	if err != nil {
		return adapters.User{}, err
	}
	a.users.setNames(names)
	if u, ok := names[strings.ToLower(s)]; ok && u.ID != "" {
		return u, nil
	}
	return adapters.User{}, fmt.Errorf("slack: lookup user %q: %w", idOrName, adapters.ErrNotFound)
}

// userInfo returns users.info for id, with locale, from the cache when it is fresh.
func (a *Adapter) userInfo(ctx context.Context, id string) (adapters.User, error) {
	if u, ok := a.users.get(id); ok {
		return u, nil
	}
	var su *slack.User
	err := a.call(ctx, "users.info", func(ctx context.Context) (err error) {
		su, err = a.api.GetUserInfoContext(ctx, id, slack.GetUserInfoOptionIncludeLocale(true))
		return err
	})
	if err != nil {
		return adapters.User{}, err
	}
	u := toUser(su)
	a.users.put(u)
	return u, nil
}

// toUser is the neutral user of a Slack user; Slackbot is a bot too, though Slack does not
// flag it as one.
func toUser(su *slack.User) adapters.User {
	return adapters.User{ID: su.ID, Name: su.Name, Locale: su.Locale, IsBot: su.IsBot || su.ID == "USLACKBOT"}
}

// scanUsers reads all users with users.list and indexes them by lower-case user name and by
// display name; a display name two users share maps to an empty User (ambiguous). Deleted
// users are left out.
func (a *Adapter) scanUsers(ctx context.Context) (map[string]adapters.User, error) {
	byName := make(map[string]adapters.User)
	byDisplay := make(map[string]adapters.User)
	p := a.api.GetUsersPaginated(slack.GetUsersOptionLimit(200), slack.GetUsersOptionIncludeLocale(true))
	for {
		var next slack.UserPagination
		err := a.call(ctx, "users.list", func(ctx context.Context) (err error) {
			next, err = p.Next(ctx)
			return err
		})
		if p.Done(err) { // the pagination's own "no more pages", through call's wrapping
			break
		}
		if err != nil {
			return nil, err
		}
		p = next
		for _, su := range p.Users {
			if su.Deleted {
				continue
			}
			u := toUser(&su)
			a.users.put(u)
			byName[strings.ToLower(su.Name)] = u
			if d := strings.ToLower(su.Profile.DisplayName); d != "" {
				if prev, dup := byDisplay[d]; dup && prev.ID != u.ID {
					u = adapters.User{}
				}
				byDisplay[d] = u
			}
		}
	}
	for d, u := range byDisplay {
		if _, taken := byName[d]; !taken {
			byName[d] = u
		}
	}
	return byName, nil
}

// imChannel returns the id of the bot's direct conversation with user, opening it
// (conversations.open) if it is not cached.
func (a *Adapter) imChannel(ctx context.Context, user string) (string, error) {
	if ch := a.users.im(user); ch != "" {
		return ch, nil
	}
	var ch *slack.Channel
	err := a.call(ctx, "conversations.open", func(ctx context.Context) (err error) {
		ch, _, _, err = a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}})
		return err
	})
	if err != nil {
		return "", err
	}
	if ch == nil || ch.ID == "" {
		return "", fmt.Errorf("slack: conversations.open %s: no channel in answer", user)
	}
	a.users.putIM(user, ch.ID)
	return ch.ID, nil
}
