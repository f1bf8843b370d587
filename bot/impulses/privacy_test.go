package impulses

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/storage/redistest"
)

func TestExportAndForgetKeepStatistics(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store, fixtureOpts{})
	ctx := context.Background()
	anna := bot.UserRef{Platform: "test", User: "anna", UserName: "anna"}

	fx.say("anna", "/impuls abo planung region=Eifel")
	fx.say("anna", "/impuls jetzt")
	waitFor(t, 3*time.Second, "first impulse", func() bool { return len(fx.archive(userSubID("test", "anna"))) == 1 })
	fx.say("anna", "/impuls feedback eins gut")
	fx.say("bob", "/impuls feedback eins weniger")
	fx.say("admin", "/impuls abo #") // an admin sets up the channel's subscription
	fx.say("admin", "/impuls abo @anna")

	data, err := fx.imp.UserData(ctx, anna, "de")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### 💡 Kurzimpulse", "Ihr Abo: aktiv", "Zielgruppe: Planungsfachkräfte · Region: Eifel",
		"Erhaltene Impulse (1):", "Der erste Schritt", "„Der erste Schritt“: hilfreich"} {
		contains(t, data, want)
	}
	adminData, err := fx.imp.UserData(ctx, bot.UserRef{Platform: "test", User: "admin"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	contains(t, adminData, "Subscriptions you set up for others as an admin")
	contains(t, adminData, "#Jugendamt")

	statsBefore := fmt.Sprint(store.Client.HGetAll(ctx, fx.imp.st.statsKey("eins")).Val())
	for range 2 { // idempotent
		if err := fx.imp.ForgetUser(ctx, anna); err != nil {
			t.Fatal(err)
		}
	}
	if got := fmt.Sprint(store.Client.HGetAll(ctx, fx.imp.st.statsKey("eins")).Val()); got != statsBefore {
		t.Errorf("statistics %s, want them unchanged: %s", got, statsBefore)
	}
	for key, value := range dump(t, store) {
		if strings.Contains(key, "anna") || strings.Contains(value, "anna") {
			t.Errorf("%s still names anna: %s", key, value)
		}
	}
	if data, err := fx.imp.UserData(ctx, anna, "de"); err != nil || data != "" {
		t.Errorf("export after the deletion = %q, %v", data, err)
	}
	// The admin's name goes from the subscriptions they set up; those stay.
	if err := fx.imp.ForgetUser(ctx, bot.UserRef{Platform: "test", User: "admin"}); err != nil {
		t.Fatal(err)
	}
	ch := fx.subscriber(channelSubID("test", testChannel))
	if ch == nil || !ch.Active || ch.By != "" {
		t.Errorf("channel subscription after its admin was forgotten: %+v", ch)
	}
}

func TestDeliveryLogAndStoppedSubscriptionExpire(t *testing.T) {
	store := redistest.Store(t)
	lib := testLibrary(t)
	fx := newFixture(t, store, fixtureOpts{lib: lib})
	fx.imp.st.retention = time.Hour // Options.Retention
	ctx := context.Background()
	id := userSubID("test", "anna")

	fx.say("anna", "/impuls abo")
	if ttl := store.Client.PTTL(ctx, fx.imp.st.subKey(id)).Val(); ttl != -1 {
		t.Errorf("an active subscription has TTL %s, want none", ttl)
	}
	fx.say("anna", "/impuls jetzt")
	waitFor(t, 3*time.Second, "first impulse", func() bool { return len(fx.archive(id)) == 1 })
	if ttl := store.Client.PTTL(ctx, fx.imp.st.archiveKey(id)).Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("archive TTL %s, want (0, 1h]", ttl)
	}
	fx.say("anna", "/impuls feedback eins gut")
	if ttl := store.Client.PTTL(ctx, fx.imp.st.votesKey("eins")).Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("feedback TTL %s, want (0, 1h]", ttl)
	}
	if ttl := store.Client.PTTL(ctx, fx.imp.st.statsKey("eins")).Val(); ttl != -1 {
		t.Errorf("statistics TTL %s, want none", ttl)
	}
	fx.say("anna", "/impuls stopp")
	if ttl := store.Client.PTTL(ctx, fx.imp.st.subKey(id)).Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("stopped subscription TTL %s, want (0, 1h]", ttl)
	}
	data, err := fx.imp.UserData(ctx, bot.UserRef{Platform: "test", User: "anna"}, "de")
	if err != nil {
		t.Fatal(err)
	}
	contains(t, data, "abbestellt")
	contains(t, data, "wird automatisch gelöscht am")
	contains(t, fx.say("anna", "/impuls abo"), "wieder dabei")
	if ttl := store.Client.PTTL(ctx, fx.imp.st.subKey(id)).Val(); ttl != -1 {
		t.Errorf("a renewed subscription has TTL %s, want none", ttl)
	}
}

func TestPrivacyMessagesAreComplete(t *testing.T) {
	if err := privacyMsgs.Check(); err != nil {
		t.Fatal(err)
	}
}
