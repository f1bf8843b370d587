package impulses

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
)

// Data protection: what the impulses keep about a person, and how it is exported and
// forgotten.
//
// A person's own subscription is the subscriber hash "<platform>:@<user>" and its archive (the
// delivery log); their feedback is a field "<platform>:<user>" in the votes hash of each
// impulse they rated; an admin who subscribed others or channels is named in those
// subscriptions' "by" field. Forgetting deletes the subscription and archive, takes the id out
// of the active index, deletes the feedback fields, and blanks "by" where it names the person
// (those subscriptions belong to others and stay). The statistics hashes keep their counts:
// they say how often an impulse was delivered and rated, not by whom.
//
// A delivery timer already scheduled for the current slot still carries the subscriber id for
// the minutes until it runs; it then finds no subscriber ("gone") and ends without a trace.

// voterID is the field of a person's vote in the votes hashes.
func voterID(u bot.UserRef) string { return u.Platform + ":" + u.User }

// ratedIDs are the impulses whose votes hash may hold u's feedback: every id of the library,
// plus those in their archive (an impulse may have left the library since).
func (f *Feature) ratedIDs(archive map[string]time.Time) []string {
	ids := f.lib.IDs()
	for id := range archive {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// feedbackOf reads u's votes on ids in one round trip: impulse id → up|down.
func (st *store) feedbackOf(ctx context.Context, ids []string, voter string) (map[string]string, error) {
	cmds := make([]*redis.StringCmd, len(ids))
	_, err := st.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGet(ctx, st.votesKey(id), voter)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("impulses: read feedback: %w", err)
	}
	out := map[string]string{}
	for i, c := range cmds {
		if v := c.Val(); v != "" {
			out[ids[i]] = v
		}
	}
	return out, nil
}

// setUpBy lists the subscriptions of others that u set up (their "by"), from the active index.
// Stopped ones are not in the index; they expire after the retention.
func (st *store) setUpBy(ctx context.Context, u bot.UserRef, self string) ([]*subscriber, error) {
	var out []*subscriber
	err := st.eachActive(ctx, func(ids []string) error {
		rows, err := st.fields(ctx, ids, "by", "platform", "name", "kind")
		if err != nil {
			return err
		}
		for i, id := range ids {
			if id != self && str(rows[i][0]) == u.User && str(rows[i][1]) == u.Platform {
				out = append(out, &subscriber{ID: id, Name: str(rows[i][2]), Kind: str(rows[i][3])})
			}
		}
		return nil
	})
	return out, err
}

// blankByScript blanks "by" of subscriber KEYS[1] unless the subscriber is gone meanwhile
// (a plain HSET would recreate it as a stub). It runs when Redis is full too (see
// [bot.EraseScript]).
var blankByScript = bot.NewEraseScript(`if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'by', '')
return 1`)

// UserData renders u's subscription, delivery log, feedback and the subscriptions they set up
// for others (see [bot.DataKeeper]).
func (f *Feature) UserData(ctx context.Context, u bot.UserRef, lang string) (string, error) {
	id := userSubID(u.Platform, u.User)
	sub, archive, _, err := f.st.load(ctx, id)
	if err != nil {
		return "", err
	}
	votes, err := f.st.feedbackOf(ctx, f.ratedIDs(archive), voterID(u))
	if err != nil {
		return "", err
	}
	others, err := f.st.setUpBy(ctx, u, id)
	if err != nil {
		return "", err
	}
	if sub == nil && len(votes) == 0 && len(others) == 0 {
		return "", nil
	}
	t := func(key string, args ...any) string { return privacyMsgs.T(lang, key, args...) }
	clk := clock{lang: lang, loc: f.loc}
	title := func(imp string) string {
		if i, ok := f.lib.Get(imp, lang); ok {
			return i.Title
		}
		return imp
	}
	lines := []string{t("data_title")}
	if sub != nil {
		status := t("data_active")
		switch {
		case !sub.Active:
			status = t("data_stopped")
		case sub.Paused(f.now()):
			status = t("data_paused", "until", clk.date(sub.PausedUntil))
		}
		lines = append(lines, t("data_sub", "status", status, "since", clk.date(sub.Created),
			"details", details(lang, sub), "lang", msgs.T(lang, "lang_"+sub.Lang), "name", adapters.Escape(sub.Name)))
		if sub.By != "" && sub.By != u.User {
			lines = append(lines, t("data_sub_by_admin"))
		}
		if !sub.Active {
			if ttl, err := f.st.s.Client.PTTL(ctx, f.st.subKey(id)).Result(); err == nil && ttl > 0 {
				lines = append(lines, t("data_expires", "date", clk.date(f.now().Add(ttl))))
			}
		}
		received := make([]string, 0, len(archive))
		for imp := range archive {
			received = append(received, imp)
		}
		slices.SortFunc(received, func(a, b string) int { return archive[a].Compare(archive[b]) })
		if len(received) == 0 {
			lines = append(lines, t("data_archive_none"))
		} else {
			lines = append(lines, t("data_archive", "count", len(received)))
			for _, imp := range received {
				lines = append(lines, t("data_archive_line", "date", clk.date(archive[imp]), "title", title(imp)))
			}
			lines = append(lines, t("data_archive_kept"))
		}
	}
	if len(votes) > 0 {
		ids := make([]string, 0, len(votes))
		for imp := range votes {
			ids = append(ids, imp)
		}
		slices.Sort(ids)
		items := make([]string, len(ids))
		for i, imp := range ids {
			items[i] = t("data_vote", "title", title(imp), "vote", msgs.T(lang, "vote_"+votes[imp]))
		}
		lines = append(lines, t("data_votes", "list", strings.Join(items, "; ")))
	}
	if len(others) > 0 {
		items := make([]string, len(others))
		for i, o := range others {
			prefix := "@"
			if o.Kind == KindChannel {
				prefix = "#"
			}
			items[i] = prefix + adapters.Escape(o.Name)
		}
		slices.Sort(items)
		lines = append(lines, t("data_set_up", "list", strings.Join(items, ", ")))
	}
	return strings.Join(lines, "\n"), nil
}

// ForgetUser deletes u's subscription, archive and feedback and blanks their name as the admin
// who set up others' subscriptions (see [bot.DataKeeper] and the top of this file).
func (f *Feature) ForgetUser(ctx context.Context, u bot.UserRef) error {
	id := userSubID(u.Platform, u.User)
	archive, err := f.st.s.Client.ZRange(ctx, f.st.archiveKey(id), 0, -1).Result()
	if err != nil {
		return fmt.Errorf("impulses: forget: %w", err)
	}
	received := make(map[string]time.Time, len(archive))
	for _, imp := range archive {
		received[imp] = time.Time{}
	}
	others, err := f.st.setUpBy(ctx, u, id)
	if err != nil {
		return err
	}
	// The hash first, then the index (as everywhere in this package): a crash in between
	// leaves an id in the index that the fan-out drops.
	if err := f.st.s.Client.Del(ctx, f.st.subKey(id), f.st.archiveKey(id)).Err(); err != nil {
		return fmt.Errorf("impulses: forget subscription: %w", err)
	}
	voter := voterID(u)
	_, err = f.st.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.SRem(ctx, f.st.active, id)
		for _, imp := range f.ratedIDs(received) {
			p.HDel(ctx, f.st.votesKey(imp), voter)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("impulses: forget: %w", err)
	}
	for _, o := range others {
		if err := blankByScript.Run(ctx, f.st.s.Client, []string{f.st.subKey(o.ID)}).Err(); err != nil {
			return fmt.Errorf("impulses: forget: blank the admin of %s: %w", o.ID, err)
		}
	}
	return nil
}
