package mattermost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
)

// Command describes a slash command that [Setup] registers.
type Command struct {
	Trigger     string // the command word without the slash, e.g. "lc"
	DisplayName string // shown in Integrations > Slash Commands
	Description string // shown in the autocomplete list
	Hint        string // the arguments hint shown in the autocomplete list
}

// Commands are the slash commands [Setup] registers, all pointing at
// PublicURL+"/mattermost/command". A feature that brings a command word of its own ("wol" for
// circles, "impuls" for impulses) is added here when it lands; the core answers an unknown
// word with a hint, so registering a word early does no harm but shows users a dead end.
var Commands = []Command{
	{
		Trigger:     "lc",
		DisplayName: "Lean Coffee",
		Description: "Lean Coffee: Themen sammeln, abstimmen, besprechen (/lc hilfe)",
		Hint:        "[start | thema | stimme | weiter | status | ende | hilfe]",
	},
	{
		Trigger:     "impuls",
		DisplayName: "Kurzimpulse",
		Description: "Kurzimpulse für Leitung und Planung: abonnieren, pausieren, Archiv (/impuls hilfe)",
		Hint:        "[abo | jetzt | pause 4w | weiter | archiv | status | stopp | hilfe]",
	},
	{
		Trigger:     "wol",
		DisplayName: "Working Out Loud",
		Description: "Working-Out-Loud-Kreise: mitmachen, Angaben, Übersicht (/wol hilfe)",
		Hint:        "[join | ich | ändern | pause | verlassen | daten | vergessen | hilfe]",
	},
	{
		Trigger:     "wolbot",
		DisplayName: "wolbot",
		Description: "wolbot: Überblick über alle Befehle, Sprache wählen (/wolbot hilfe, /wolbot sprache en)",
		Hint:        "[hilfe | sprache de|en | daten | vergessen]",
	},
	{
		Trigger:     "daten",
		DisplayName: "Meine Daten",
		Description: "Alle Daten, die wolbot über Sie speichert, als Direktnachricht (Art. 15 DSGVO)",
	},
	{
		Trigger:     "vergessen",
		DisplayName: "Daten löschen",
		Description: "Alle Daten löschen, die wolbot über Sie speichert – nach Bestätigung (Art. 17 DSGVO)",
	},
}

// Setup registers [Commands] as slash commands of team (a team name or id) pointing at
// PublicURL+"/mattermost/command", and prints each command's token to out with a hint to put
// them into MATTERMOST_COMMAND_TOKENS. It is idempotent: a command that exists already (same
// trigger, created by this account or pointing at a wolbot command URL) is updated in place and
// keeps its token. A command of the same trigger that belongs to another integration is left
// alone and reported as an error.
//
// The account behind opts.Token needs the permission to manage slash commands in the team
// (a team or system admin, or a bot account given that role).
func Setup(ctx context.Context, opts Options, team string, out io.Writer) error {
	a, err := newAdapter(opts)
	if err != nil {
		return err
	}
	if err := a.fetchMe(ctx); err != nil {
		return err
	}
	t, err := a.findTeam(ctx, team)
	if err != nil {
		return fmt.Errorf("mattermost setup: team %q: %w", team, err)
	}
	existing, err := call(ctx, a, "list slash commands", func(ctx context.Context) ([]*model.Command, *model.Response, error) {
		return a.client.ListCommands(ctx, t.Id, true)
	})
	if err != nil {
		return fmt.Errorf("mattermost setup: %w (may this account manage slash commands in team %s?)", err, t.Name)
	}
	url := a.publicURL + CommandPath
	var tokens []string
	for _, spec := range Commands {
		want := &model.Command{
			TeamId:           t.Id,
			Trigger:          spec.Trigger,
			Method:           model.CommandMethodPost,
			URL:              url,
			AutoComplete:     true,
			AutoCompleteDesc: spec.Description,
			AutoCompleteHint: spec.Hint,
			DisplayName:      spec.DisplayName,
			Description:      spec.Description,
		}
		cur, err := a.ownCommand(existing, t.Id, spec.Trigger)
		if err != nil {
			return fmt.Errorf("mattermost setup: %w", err)
		}
		verb := "created"
		var cmd *model.Command
		if cur == nil {
			cmd, err = call(ctx, a, "create slash command", func(ctx context.Context) (*model.Command, *model.Response, error) {
				return a.client.CreateCommand(ctx, want)
			})
		} else {
			verb = "updated"
			upd := *cur
			upd.Method, upd.URL, upd.AutoComplete = want.Method, want.URL, want.AutoComplete
			upd.AutoCompleteDesc, upd.AutoCompleteHint = want.AutoCompleteDesc, want.AutoCompleteHint
			upd.DisplayName, upd.Description = want.DisplayName, want.Description
			cmd, err = call(ctx, a, "update slash command", func(ctx context.Context) (*model.Command, *model.Response, error) {
				return a.client.UpdateCommand(ctx, &upd)
			})
		}
		if err != nil {
			return fmt.Errorf("mattermost setup: /%s: %w", spec.Trigger, err)
		}
		fmt.Fprintf(out, "%s /%s in team %s → POST %s\n", verb, cmd.Trigger, t.Name, url)
		if cmd.Token == "" && cur != nil {
			cmd.Token = cur.Token
		}
		if cmd.Token != "" {
			tokens = append(tokens, cmd.Token)
		}
	}
	if len(tokens) == 0 {
		fmt.Fprintln(out, "\nMattermost did not show the command tokens; copy them from Integrations > Slash Commands.")
		return nil
	}
	configured := true
	for _, tok := range tokens {
		configured = configured && slices.Contains(opts.CommandTokens, tok)
	}
	if configured {
		fmt.Fprintln(out, "\nThe command tokens are in MATTERMOST_COMMAND_TOKENS already.")
		return nil
	}
	fmt.Fprintf(out, "\nPut the command token(s) into the environment of every wolbot replica "+
		"(comma-separated, together with the tokens of other teams you set up):\n\n"+
		"MATTERMOST_COMMAND_TOKENS=%s\n", strings.Join(tokens, ","))
	return nil
}

// findTeam resolves a team id or name.
func (a *Adapter) findTeam(ctx context.Context, team string) (*model.Team, error) {
	team = strings.TrimSpace(team)
	if team == "" {
		return nil, errors.New("no team given")
	}
	if model.IsValidId(team) {
		t, err := call(ctx, a, "get team", func(ctx context.Context) (*model.Team, *model.Response, error) {
			return a.client.GetTeam(ctx, team, "")
		})
		if err == nil || !hasStatus(err, http.StatusNotFound) {
			return t, err
		}
		// A 26-character team name looks like an id; try it as a name too.
	}
	return call(ctx, a, "get team by name", func(ctx context.Context) (*model.Team, *model.Response, error) {
		return a.client.GetTeamByName(ctx, strings.ToLower(team), "")
	})
}

// ownCommand finds the live command with that trigger in the team. It returns an error if the
// trigger is taken by a command that is not wolbot's.
func (a *Adapter) ownCommand(cmds []*model.Command, teamID, trigger string) (*model.Command, error) {
	for _, c := range cmds {
		if c == nil || c.DeleteAt != 0 || c.TeamId != teamID || !strings.EqualFold(c.Trigger, trigger) {
			continue
		}
		if c.CreatorId == a.botID || strings.HasSuffix(c.URL, CommandPath) {
			return c, nil
		}
		return nil, fmt.Errorf("/%s exists already in this team and points at %s; remove it or rename it first", trigger, c.URL)
	}
	return nil, nil
}
