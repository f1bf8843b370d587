package bot

import (
	"context"
	"strings"
	"testing"
)

// Issue 11.10: "/vergessen bestätigen texte" asks the features to remove one's texts from
// finished rounds too (UserRef.Texts); another word after the confirmation is refused kindly
// and deletes nothing.
func TestForgetWithTexts(t *testing.T) {
	b, chat, a, _ := newPrivacyBot(t)
	ctx := context.Background()
	b.HandleEvent(ctx, command("/vergessen"))
	if ask := lastMsg(chat).Msg.Text; !strings.Contains(ask, "`/vergessen bestätigen texte`") {
		t.Errorf("the question does not offer the texts option: %q", ask)
	}
	b.HandleEvent(ctx, command("/vergessen bestätigen quatsch"))
	if got := lastMsg(chat).Msg.Text; !strings.Contains(got, "quatsch") || len(a.forgotten()) != 0 {
		t.Fatalf("unknown word after the confirmation: %q, forgotten %v", got, a.forgotten())
	}
	b.HandleEvent(ctx, command("/vergessen bestätigen texte"))
	if got := lastMsg(chat).Msg.Text; !strings.Contains(got, "Erledigt") {
		t.Errorf("confirmation: %q", got)
	}
	if f := a.forgotten(); len(f) != 1 || !f[0].Texts {
		t.Errorf("forgotten %v, want one request with Texts", f)
	}
}
