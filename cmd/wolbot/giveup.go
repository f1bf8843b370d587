package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/storage"
)

// giveUpMsgs are the texts of the admins' notice about given-up timers.
var giveUpMsgs = bot.Catalog{
	"de": {
		"timer_given_up": "⚠️ wolbot hat einen geplanten Vorgang aufgegeben ({what}, nach {attempts} Versuchen). Häufigster Grund: Der Bot ist nicht mehr im Kanal, oder der Kanal wurde archiviert. Details zeigt `wolbot timers dead`; dort lässt sich der Vorgang auch erneut einplanen. Weitere Fälle dieser Art meldet wolbot frühestens in einer Stunde.",
	},
	"en": {
		"timer_given_up": "⚠️ wolbot gave up a scheduled task ({what}, after {attempts} attempts). Most often the bot is no longer in the channel, or the channel was archived. `wolbot timers dead` shows the details and can schedule the task again. wolbot reports further cases of this kind in an hour at the earliest.",
	},
}

// notifyEvery is how often admins hear about given-up timers of one kind, across replicas.
const notifyEvery = time.Hour

// giveUpNotifier tells the configured admins by direct message that a timer was given up: at
// most once per timer kind and hour across all replicas, so an archived channel with many
// timers sends one notice, not many. It is the timer loop's give-up hook for every kind.
type giveUpNotifier struct {
	store  *storage.Store
	chat   adapters.Chat
	admins []string // ids or handles, as WOLBOT_ADMINS lists them
}

func (n *giveUpNotifier) notify(ctx context.Context, tm storage.Timer, _ error) error {
	if len(n.admins) == 0 {
		return nil
	}
	key := n.store.Key(storage.Tag("timers"), "notified", tm.Kind)
	first, err := n.store.Client.SetNX(ctx, key, "1", notifyEvery).Result()
	if err != nil {
		return fmt.Errorf("give-up notice: %w", err)
	}
	if !first {
		return nil // told within the hour
	}
	var errs []error
	for _, admin := range n.admins {
		u, err := n.chat.LookupUser(ctx, admin)
		if err != nil {
			errs = append(errs, fmt.Errorf("give-up notice: admin %q: %w", admin, err))
			continue
		}
		lang := bot.NormalizeLang(u.Locale)
		if lang == "" {
			lang = bot.DefaultLang
		}
		msg := adapters.Message{Text: giveUpMsgs.T(lang, "timer_given_up", "what", tm.Kind, "attempts", tm.Attempt)}
		if _, err := n.chat.DirectMessage(ctx, u.ID, msg); err != nil {
			errs = append(errs, fmt.Errorf("give-up notice: admin %q: %w", admin, err))
		}
	}
	return errors.Join(errs...)
}
