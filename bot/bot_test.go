package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/storage/redistest"
)

func TestRouterRoutesToFeature(t *testing.T) {
	tests := []struct {
		name        string
		ev          adapters.Event
		wantHandler string // "lc" or "poll"
		wantFeature string
		wantArgs    []string
	}{
		{"command with args", command("/lc vote 2"), "lc", "lc", []string{"vote", "2"}},
		{"command without slash", command("lc vote 2"), "lc", "lc", []string{"vote", "2"}},
		{"command without args", command("/lc"), "lc", "lc", nil},
		{"alias routes to the same handler", command("/leancoffee vote 2"), "lc", "lc", []string{"vote", "2"}},
		{"command word is case-insensitive, args keep their case", command("/LC Vote Anna"), "lc", "lc", []string{"Vote", "Anna"}},
		{"alias registered in mixed case matches lower case", command("/leancoffee"), "lc", "lc", nil},
		{"alias is case-insensitive", command("/LeanCoffee start"), "lc", "lc", []string{"start"}},
		{"extra whitespace between words", command("  /lc \t vote   2  "), "lc", "lc", []string{"vote", "2"}},
		{"another feature", command("/poll Ja Nein"), "poll", "poll", []string{"Ja", "Nein"}},
		{"action id prefix routes to its feature", click("lc.vote", "r1:2"), "lc", "lc", nil},
		{"action id prefix is case-insensitive", click("LC.vote", "r1:2"), "lc", "lc", nil},
		{"action id without a dot is the feature", click("poll", ""), "poll", "poll", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, chat, _ := newTestBot(t)
			handlers := map[string]*spy{"lc": {}, "poll": {}}
			b.Handle("lc", handlers["lc"], "LeanCoffee")
			b.Handle("poll", handlers["poll"])

			b.HandleEvent(context.Background(), tt.ev)

			for name, h := range handlers {
				got := h.served()
				if name != tt.wantHandler {
					if len(got) != 0 {
						t.Errorf("handler %q served %d requests, want none", name, len(got))
					}
					continue
				}
				if len(got) != 1 {
					t.Fatalf("handler %q served %d requests, want 1", name, len(got))
				}
				if got[0].Feature != tt.wantFeature {
					t.Errorf("Feature = %q, want %q", got[0].Feature, tt.wantFeature)
				}
				if !slices.Equal(got[0].Args, tt.wantArgs) {
					t.Errorf("Args = %q, want %q", got[0].Args, tt.wantArgs)
				}
				if got[0].Event != tt.ev {
					t.Errorf("Event = %+v, want it unchanged %+v", got[0].Event, tt.ev)
				}
			}
			if r := replies(chat); len(r) != 0 {
				t.Errorf("router answered %q itself, want no reply", r)
			}
		})
	}
}

func TestHandleRegisteringAWordTwicePanics(t *testing.T) {
	tests := []struct {
		name     string
		register func(b *Bot)
	}{
		{"same name", func(b *Bot) { b.Handle("lc", &spy{}); b.Handle("lc", &spy{}) }},
		{"same name in other case", func(b *Bot) { b.Handle("lc", &spy{}); b.Handle("LC", &spy{}) }},
		{"alias taken by a name", func(b *Bot) { b.Handle("lc", &spy{}); b.Handle("poll", &spy{}, "lc") }},
		{"name taken by an alias", func(b *Bot) { b.Handle("lc", &spy{}, "leancoffee"); b.Handle("leancoffee", &spy{}) }},
		{"alias repeating its own name", func(b *Bot) { b.Handle("lc", &spy{}, "lc") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(Options{})
			defer func() {
				p := recover()
				if p == nil {
					t.Fatal("Handle did not panic")
				}
				if msg := fmt.Sprint(p); !strings.Contains(msg, "registered twice") {
					t.Errorf("panic = %q, want it to say \"registered twice\"", msg)
				}
			}()
			tt.register(b)
		})
	}
}

func TestUnknownCommandIsAnsweredInTheUsersLanguage(t *testing.T) {
	tests := []struct {
		name string
		ev   adapters.Event
		want string
	}{
		{"German by default", command("/foo bar"),
			"Den Befehl „foo“ kenne ich leider nicht. Was ich kann, zeigt `/wolbot hilfe`."},
		{"English for an en-US locale", inEnglish(command("/foo bar")),
			"Sorry, I don't know the command “foo” – `/wolbot help` shows what I can do."},
		{"German for an unsupported locale", func() adapters.Event { ev := command("/foo"); ev.Locale = "fr-FR"; return ev }(),
			"Den Befehl „foo“ kenne ich leider nicht. Was ich kann, zeigt `/wolbot hilfe`."},
		{"command word is lower-cased", command("/FOO"),
			"Den Befehl „foo“ kenne ich leider nicht. Was ich kann, zeigt `/wolbot hilfe`."},
		{"command word is escaped", command("/@here"),
			coreMsgs.T("de", "unknown_command", "cmd", adapters.Escape("@here"))},
		{"unknown button", click("gone.vote", "1"),
			"Den Befehl „gone“ kenne ich leider nicht. Was ich kann, zeigt `/wolbot hilfe`."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, chat, _ := newTestBot(t)
			lc := &spy{}
			b.Handle("lc", lc)

			b.HandleEvent(context.Background(), tt.ev)

			if got, want := replies(chat), []string{ephemeral(tt.want)}; !slices.Equal(got, want) {
				t.Errorf("replies = %q, want %q", got, want)
			}
			if n := len(lc.served()); n != 0 {
				t.Errorf("lc served %d requests, want none", n)
			}
		})
	}
	t.Run("escaped word has no live mention", func(t *testing.T) {
		b, chat, _ := newTestBot(t)
		b.HandleEvent(context.Background(), command("/@here"))
		if text := chat.LastTo(testUser); strings.Contains(text, "„@here“") {
			t.Errorf("reply %q contains a live @here", text)
		}
	})
}

func TestEmptyCommandGetsNoReply(t *testing.T) {
	tests := []struct {
		name string
		ev   adapters.Event
	}{
		{"empty text", command("")},
		{"only spaces", command("  \t ")},
		{"button without action id", click("", "x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, chat, _ := newTestBot(t)
			lc := &spy{}
			b.Handle("lc", lc)

			b.HandleEvent(context.Background(), tt.ev)

			if r := replies(chat); len(r) != 0 {
				t.Errorf("replies = %q, want none", r)
			}
			if n := len(lc.served()); n != 0 {
				t.Errorf("lc served %d requests, want none", n)
			}
		})
	}
}

func TestHelpListsDescribedFeatures(t *testing.T) {
	tests := []struct {
		name string
		ev   adapters.Event
		want []string // lines of the help, in order
	}{
		{
			name: "German",
			ev:   command("/help"),
			want: []string{
				coreMsgs.T("de", "help_intro"),
				"- `/lc` — Lean-Coffee-Runde",
				"- `/poll` — Abstimmung",
				coreMsgs.T("de", "help_lang"),
			},
		},
		{
			name: "German word hilfe",
			ev:   command("/Hilfe"),
			want: []string{
				coreMsgs.T("de", "help_intro"),
				"- `/lc` — Lean-Coffee-Runde",
				"- `/poll` — Abstimmung",
				coreMsgs.T("de", "help_lang"),
			},
		},
		{
			name: "English",
			ev:   inEnglish(command("/help")),
			want: []string{
				"**wolbot** supports exchange between municipalities. Here is what I can do:",
				"- `/lc` — Lean Coffee round",
				"- `/poll` — poll",
				"Language: `/wolbot language en` (English) · Auf Deutsch: `/wolbot sprache de`",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, chat, _ := newTestBot(t)
			b.Handle("lc", &describedSpy{de: "Lean-Coffee-Runde", en: "Lean Coffee round"}, "leancoffee")
			b.Handle("secret", &spy{}) // not a Describer: not listed
			b.Handle("poll", &describedSpy{de: "Abstimmung", en: "poll"})

			b.HandleEvent(context.Background(), tt.ev)

			want := []string{ephemeral(strings.Join(tt.want, "\n"))}
			if got := replies(chat); !slices.Equal(got, want) {
				t.Errorf("replies =\n%s\nwant\n%s", strings.Join(got, "\n---\n"), strings.Join(want, "\n---\n"))
			}
		})
	}
}

func TestHelpWithoutFeatures(t *testing.T) {
	b, chat, _ := newTestBot(t)
	b.HandleEvent(context.Background(), command("/help"))
	want := coreMsgs.T("de", "help_intro") + "\n" + coreMsgs.T("de", "help_lang")
	if got := chat.LastTo(testUser); got != want {
		t.Errorf("help = %q, want %q", got, want)
	}
}

func TestDedupe(t *testing.T) {
	first, other := command("/lc vote 1"), command("/lc vote 1")
	tests := []struct {
		name      string
		events    []adapters.Event
		wantServe int
	}{
		{"same event id twice reaches the handler once", []adapters.Event{first, first}, 1},
		{"different event ids both reach the handler", []adapters.Event{first, other}, 2},
		{"same id in another channel is another event", []adapters.Event{first, func() adapters.Event {
			ev := first
			ev.Channel = "C2"
			return ev
		}()}, 2},
		{"same id on another platform is another event", []adapters.Event{first, func() adapters.Event {
			ev := first
			ev.Platform = "other"
			return ev
		}()}, 2},
		{"events without id are never dropped", []adapters.Event{
			func() adapters.Event { ev := first; ev.ID = ""; return ev }(),
			func() adapters.Event { ev := first; ev.ID = ""; return ev }(),
		}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, chat, _ := newTestBot(t)
			lc := &spy{}
			b.Handle("lc", lc)
			for _, ev := range tt.events {
				b.HandleEvent(context.Background(), ev)
			}
			got := lc.served()
			if len(got) != tt.wantServe {
				t.Fatalf("handler served %d requests, want %d", len(got), tt.wantServe)
			}
			for _, s := range got {
				if s.DedupeKey != "" {
					t.Errorf("DedupeKey = %q for a handler that does not dedupe atomically, want empty", s.DedupeKey)
				}
			}
			if r := replies(chat); len(r) != 0 {
				t.Errorf("replies = %q, want none", r)
			}
		})
	}
}

func TestDedupeUnknownCommandAnsweredOnce(t *testing.T) {
	b, chat, _ := newTestBot(t)
	ev := command("/foo")
	b.HandleEvent(context.Background(), ev)
	b.HandleEvent(context.Background(), ev)
	if n := len(replies(chat)); n != 1 {
		t.Errorf("got %d replies to a redelivered unknown command, want 1", n)
	}
}

func TestAtomicDeduper(t *testing.T) {
	ctx := context.Background()
	t.Run("true gets a dedupe key and the router does not record the id", func(t *testing.T) {
		b, _, store := newTestBot(t)
		lc := &atomicSpy{atomic: true}
		b.Handle("lc", lc)
		ev := click("lc.vote", "r1:2")

		b.HandleEvent(ctx, ev)
		b.HandleEvent(ctx, ev) // the handler's script, not the router, must catch this one

		got := lc.served()
		if len(got) != 2 {
			t.Fatalf("handler served %d requests, want both deliveries", len(got))
		}
		wantKey := store.DedupeKey(ChannelKey(ev), ev.ID)
		for i, s := range got {
			if s.DedupeKey == "" || s.DedupeKey != wantKey {
				t.Errorf("delivery %d: DedupeKey = %q, want %q", i+1, s.DedupeKey, wantKey)
			}
		}
		n, err := store.Client.Exists(ctx, wantKey).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("router recorded %s itself; that is the handler's job", wantKey)
		}
	})
	t.Run("false gets no dedupe key and the router dedupes", func(t *testing.T) {
		b, _, store := newTestBot(t)
		lc := &atomicSpy{atomic: false}
		b.Handle("lc", lc)
		ev := click("lc.vote", "r1:2")

		b.HandleEvent(ctx, ev)
		b.HandleEvent(ctx, ev)

		got := lc.served()
		if len(got) != 1 {
			t.Fatalf("handler served %d requests, want 1", len(got))
		}
		if got[0].DedupeKey != "" {
			t.Errorf("DedupeKey = %q, want empty", got[0].DedupeKey)
		}
		n, err := store.Client.Exists(ctx, store.DedupeKey(ChannelKey(ev), ev.ID)).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Error("router did not record the event id")
		}
	})
	t.Run("request-dependent choice", func(t *testing.T) {
		b, _, _ := newTestBot(t)
		lc := &votesOnly{}
		b.Handle("lc", lc)
		vote, join := command("/lc vote 1"), command("/lc join")
		for _, ev := range []adapters.Event{vote, vote, join, join} {
			b.HandleEvent(ctx, ev)
		}
		var got []string
		for _, s := range lc.served() {
			got = append(got, fmt.Sprintf("%s key=%t", s.Args[0], s.DedupeKey != ""))
		}
		want := []string{"vote key=true", "vote key=true", "join key=false"}
		if !slices.Equal(got, want) {
			t.Errorf("served %q, want %q", got, want)
		}
	})
}

// TestAtomicDeduperWithoutEventID guards a fixed bug (see bot.go HandleEvent): for an event
// without ID the router hands out the key of the empty id, shared by all id-less events, so the
// handler's script would drop every id-less vote after the first as a redelivery.
func TestAtomicDeduperWithoutEventID(t *testing.T) {
	b, _, _ := newTestBot(t)
	lc := &atomicSpy{atomic: true}
	b.Handle("lc", lc)
	ev := click("lc.vote", "r1:2")
	ev.ID = ""
	b.HandleEvent(context.Background(), ev)
	got := lc.served()
	if len(got) != 1 || got[0].DedupeKey != "" {
		t.Errorf("served %+v, want one request with an empty DedupeKey", got)
	}
}

// votesOnly dedupes "vote" requests itself and leaves the rest to the router.
type votesOnly struct{ spy }

func (v *votesOnly) DedupesAtomically(req *Request) bool {
	return len(req.Args) > 0 && req.Args[0] == "vote"
}

func TestHandlerFailureIsAnsweredWithAnApology(t *testing.T) {
	tests := []struct {
		name    string
		handler Handler
		ev      adapters.Event
		want    string
	}{
		{"returned error", &spy{err: errors.New("redis down")}, command("/lc start"),
			coreMsgs.T("de", "internal_error")},
		{"returned error, English user", &spy{err: errors.New("redis down")}, inEnglish(command("/lc start")),
			"Sorry, that didn't work – something went wrong on my side. Please try again in a moment; everything you entered so far is saved."},
		{"panic", HandlerFunc(func(context.Context, *Request) error { panic("boom") }), command("/lc start"),
			coreMsgs.T("de", "internal_error")},
		{"panic on a button", HandlerFunc(func(context.Context, *Request) error { panic("boom") }), click("lc.vote", "1"),
			coreMsgs.T("de", "internal_error")},
		{"nil pointer panic", HandlerFunc(func(ctx context.Context, req *Request) error {
			var m map[string]*Request
			return m["x"].ReplyText(ctx, "unreachable")
		}), command("/lc"), coreMsgs.T("de", "internal_error")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, chat, _ := newTestBot(t)
			b.Handle("lc", tt.handler)

			b.HandleEvent(context.Background(), tt.ev) // must not panic

			if got, want := replies(chat), []string{ephemeral(tt.want)}; !slices.Equal(got, want) {
				t.Errorf("replies = %q, want %q", got, want)
			}
		})
	}
}

func TestApologyInDirectConversation(t *testing.T) {
	b, chat, _ := newTestBot(t)
	b.Handle("lc", &spy{err: errors.New("redis down")})
	b.HandleEvent(context.Background(), direct(command("/lc"), "D1"))
	if got, want := chat.Posts("D1"), []string{coreMsgs.T("de", "internal_error")}; !slices.Equal(got, want) {
		t.Errorf("posts in D1 = %q, want %q", got, want)
	}
}

func TestLang(t *testing.T) {
	ctx := context.Background()

	t.Run("lang en is stored for later events and other replicas", func(t *testing.T) {
		b, chat, store := newTestBot(t)
		b.HandleEvent(ctx, command("/lang en"))
		if got, want := chat.LastTo(testUser), "Sure – from now on I'll answer you in English."; got != want {
			t.Errorf("reply to /lang en = %q, want %q", got, want)
		}

		b.HandleEvent(ctx, command("/foo"))
		if got, want := chat.LastTo(testUser), coreMsgs.T("en", "unknown_command", "cmd", "foo"); got != want {
			t.Errorf("same bot answers %q, want %q", got, want)
		}

		// A second replica, with a fresh cache and its own connection, reads the choice from Redis.
		b2, chat2 := newBotOn(t, redistest.Reopen(t, store))
		b2.HandleEvent(ctx, command("/foo"))
		if got, want := chat2.LastTo(testUser), coreMsgs.T("en", "unknown_command", "cmd", "foo"); got != want {
			t.Errorf("other replica answers %q, want %q", got, want)
		}

		// The choice belongs to the user, not the channel, and beats the platform's locale.
		ev := command("/foo")
		ev.Channel, ev.Locale = "C2", "de-DE"
		b2.HandleEvent(ctx, ev)
		if got, want := chat2.LastTo(testUser), coreMsgs.T("en", "unknown_command", "cmd", "foo"); got != want {
			t.Errorf("in another channel with a German locale: %q, want %q", got, want)
		}

		// Another user is unaffected.
		other := command("/foo")
		other.User, other.UserName = "u2", "bert"
		b2.HandleEvent(ctx, other)
		if got, want := chat2.LastTo("u2"), coreMsgs.T("de", "unknown_command", "cmd", "foo"); got != want {
			t.Errorf("another user is answered %q, want %q", got, want)
		}
	})

	t.Run("lang de overrides an English locale", func(t *testing.T) {
		b, chat, store := newTestBot(t)
		b.HandleEvent(ctx, inEnglish(command("/sprache DE-at")))
		if got, want := chat.LastTo(testUser), "Gern – ab jetzt antworte ich Ihnen auf Deutsch."; got != want {
			t.Errorf("reply = %q, want %q", got, want)
		}
		b2, chat2 := newBotOn(t, redistest.Reopen(t, store))
		b2.HandleEvent(ctx, inEnglish(command("/foo")))
		if got, want := chat2.LastTo(testUser), coreMsgs.T("de", "unknown_command", "cmd", "foo"); got != want {
			t.Errorf("other replica answers %q, want %q", got, want)
		}
	})

	t.Run("unknown language is refused and nothing stored", func(t *testing.T) {
		b, chat, store := newTestBot(t)
		b.HandleEvent(ctx, command("/lang xx"))
		want := "Die Sprache „xx“ spreche ich nicht. Möglich sind `de` (Deutsch) und `en` (English)."
		if got := replies(chat); !slices.Equal(got, []string{ephemeral(want)}) {
			t.Errorf("replies = %q, want %q", got, want)
		}
		keys, err := store.Client.Keys(ctx, store.Key("user", "*")).Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 0 {
			t.Errorf("stored %q after a refused language", keys)
		}
		b2, chat2 := newBotOn(t, redistest.Reopen(t, store))
		b2.HandleEvent(ctx, inEnglish(command("/foo")))
		if got, want := chat2.LastTo(testUser), coreMsgs.T("en", "unknown_command", "cmd", "foo"); got != want {
			t.Errorf("afterwards the locale's language should still apply: %q, want %q", got, want)
		}
	})

	t.Run("unknown language is refused in English for English users", func(t *testing.T) {
		b, chat, _ := newTestBot(t)
		b.HandleEvent(ctx, inEnglish(command("/lang fr")))
		if got, want := chat.LastTo(testUser), "I don't speak “fr” – available are `de` (Deutsch) and `en` (English)."; got != want {
			t.Errorf("reply = %q, want %q", got, want)
		}
	})

	t.Run("lang without args shows the current language", func(t *testing.T) {
		tests := []struct {
			name   string
			before []adapters.Event
			ev     adapters.Event
			want   string
		}{
			{"German by default", nil, command("/lang"), "Ich antworte Ihnen auf Deutsch. For English: `/wolbot language en`"},
			{"English from the locale", nil, inEnglish(command("/lang")), "I'm answering you in English. Auf Deutsch: `/wolbot sprache de`"},
			{"English after choosing it", []adapters.Event{command("/lang en")}, command("/lang"),
				"I'm answering you in English. Auf Deutsch: `/wolbot sprache de`"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				b, chat, _ := newTestBot(t)
				for _, ev := range tt.before {
					b.HandleEvent(ctx, ev)
				}
				b.HandleEvent(ctx, tt.ev)
				if got := chat.LastTo(testUser); got != tt.want {
					t.Errorf("reply = %q, want %q", got, tt.want)
				}
			})
		}
	})

	t.Run("lang in a direct conversation is posted there", func(t *testing.T) {
		b, chat, _ := newTestBot(t)
		b.HandleEvent(ctx, direct(command("/lang en"), "D1"))
		if got, want := chat.Posts("D1"), []string{coreMsgs.T("en", "lang_set")}; !slices.Equal(got, want) {
			t.Errorf("posts in D1 = %q, want %q", got, want)
		}
		if n := len(chat.Calls()); n != 1 {
			t.Errorf("chat calls = %q, want only the post", replies(chat))
		}
	})
}

// TestHelpListsFeatureRegisteredInUpperCase guards a fixed bug (see bot.go help): Handle stores
// routes under the lower-cased word but help looks them up by the name as registered.
func TestHelpListsFeatureRegisteredInUpperCase(t *testing.T) {
	b, chat, _ := newTestBot(t)
	b.Handle("LC", &describedSpy{de: "Lean-Coffee-Runde", en: "Lean Coffee round"})
	b.HandleEvent(context.Background(), command("/help"))
	if got := chat.LastTo(testUser); !strings.Contains(got, "Lean-Coffee-Runde") {
		t.Errorf("help = %q, want it to list the LC feature", got)
	}
}

// conversing is a feature with an open dialog for one user.
type conversing struct {
	spy
	with string
}

func (c *conversing) Converses(_ context.Context, req *Request) bool { return req.Event.User == c.with }

func TestDirectTextGoesToOpenConversation(t *testing.T) {
	b, chat, _ := newTestBot(t)
	conv := &conversing{with: "U1"}
	b.Handle("wol", conv)
	tests := []struct {
		name    string
		user    string
		direct  bool
		text    string
		handled bool
	}{
		{"answer in a DM with an open dialog", "U1", true, "mo-vm, do-nm", true},
		{"same text in a channel is no answer", "U1", false, "mo-vm, do-nm", false},
		{"another user has no dialog", "U2", true, "Kreis Düren", false},
		{"help stays the router's", "U1", true, "hilfe", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(conv.served())
			ev := command(tt.text)
			ev.User = tt.user
			if tt.direct {
				ev = direct(ev, "D"+tt.user)
			}
			b.HandleEvent(context.Background(), ev)
			if got := len(conv.served()) > before; got != tt.handled {
				t.Errorf("handled by the conversation: %v, want %v (replies %v)", got, tt.handled, replies(chat))
			}
		})
	}
}
