package mattermost

import (
	"context"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"
)

func TestSetupCreatesThenUpdates(t *testing.T) {
	f := newFake(t)
	opts := Options{URL: f.url(), Token: f.token, PublicURL: testPublicURL}
	ctx := context.Background()

	var out strings.Builder
	if err := Setup(ctx, opts, "kommunen", &out); err != nil {
		t.Fatal(err)
	}
	var cmds []model.Command
	f.locked(func() {
		for _, c := range f.commands {
			cmds = append(cmds, *c)
		}
	})
	if len(cmds) != len(Commands) {
		t.Fatalf("%d commands, want %d", len(cmds), len(Commands))
	}
	var first model.Command
	var tokens []string
	for _, c := range cmds {
		tokens = append(tokens, c.Token)
		if c.Trigger == "lc" {
			first = c
		}
	}
	if first.Trigger != "lc" || first.TeamId != f.team.Id || first.Method != model.CommandMethodPost ||
		first.URL != testPublicURL+CommandPath || !first.AutoComplete || first.AutoCompleteDesc == "" {
		t.Errorf("command %+v", first)
	}
	if !strings.Contains(out.String(), "created /lc in team kommunen") ||
		!strings.Contains(out.String(), "MATTERMOST_COMMAND_TOKENS="+first.Token) {
		t.Errorf("output:\n%s", out.String())
	}

	// A second run, by team id and with a new public URL, updates the command in place.
	out.Reset()
	opts.PublicURL = "https://wolbot.example.org"
	if err := Setup(ctx, opts, f.team.Id, &out); err != nil {
		t.Fatal(err)
	}
	var n int
	var second model.Command
	f.locked(func() { n, second = len(f.commands), *f.commands[first.Id] })
	if n != len(Commands) {
		t.Errorf("%d commands after the second run, want %d", n, len(Commands))
	}
	if second.URL != "https://wolbot.example.org"+CommandPath || second.Token != first.Token {
		t.Errorf("updated command %+v", second)
	}
	if !strings.Contains(out.String(), "updated /lc") || !strings.Contains(out.String(), first.Token) {
		t.Errorf("output:\n%s", out.String())
	}

	// With the token configured already, setup says so instead of asking for it.
	out.Reset()
	opts.CommandTokens = tokens
	if err := Setup(ctx, opts, "kommunen", &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "in MATTERMOST_COMMAND_TOKENS already") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestSetupLeavesOtherIntegrationsAlone(t *testing.T) {
	f := newFake(t)
	foreign := &model.Command{Id: model.NewId(), Token: model.NewId(), CreatorId: model.NewId(), TeamId: f.team.Id,
		Trigger: "lc", Method: "P", URL: "https://elsewhere.example.org/hook"}
	f.locked(func() { f.commands[foreign.Id] = foreign })
	err := Setup(context.Background(), Options{URL: f.url(), Token: f.token, PublicURL: testPublicURL}, "kommunen", &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "elsewhere.example.org") {
		t.Fatalf("err %v, want one naming the other integration", err)
	}
	if f.hitCount("PUT /api/v4/commands/"+foreign.Id) != 0 {
		t.Error("the other integration's command was changed")
	}
}

func TestSetupUnknownTeam(t *testing.T) {
	f := newFake(t)
	err := Setup(context.Background(), Options{URL: f.url(), Token: f.token, PublicURL: testPublicURL}, "nirgendwo", &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "nirgendwo") {
		t.Fatalf("err %v", err)
	}
}
