package leancoffee

import (
	"strings"
	"unicode"

	"github.com/wolbot/wolbot/adapters"
)

// The minutes file: the summary as a Markdown file attached to the summary post, to be saved
// or pasted into the minutes as it is. Unlike the chat post it carries no chat escaping (no
// zero-width spaces against mentions: a file mentions nobody) and no hints on commands; user
// text is escaped for Markdown instead, so a topic cannot break the document's structure.

// MinutesType is the MIME type of the minutes file.
const MinutesType = "text/markdown; charset=utf-8"

// minutesFile renders the minutes of an ended round.
func (v view) minutesFile(notes []storedNote, actions []storedAction, people int) adapters.File {
	r := v.r
	var sb strings.Builder
	line := func(s string) { sb.WriteString(s + "\n") }
	started := r.MeetingStart().In(v.loc)
	line(v.t("md_title", "date", started.Format("2006-01-02"), "channel", mdText(r.ChannelLabel())))
	line("")
	mod := mdText(r.ModName)
	if r.Mod == "" {
		mod = mdText(modName(v.lang, r))
	}
	line(v.t("md_meta_mod", "mod", mod))
	line(v.t("md_meta_time", "from", started.Format("15:04"), "to", r.Ended.In(v.loc).Format("15:04"),
		"dur", v.dur(r.Ended.Sub(started))))
	line(v.t("md_meta_people", "people", msgs.N(v.lang, "people", people)))
	if r.Topics == 0 {
		line("")
		line(v.t("md_no_topics"))
	}
	byTopic, actionsOf := perTopic(notes, actions)
	for _, n := range v.order() {
		line("")
		line(v.t("md_topic", "n", n, "text", v.mdTopic(n)))
		line("")
		line(v.t("md_votes", "votes", v.dots(r.Votes[n])))
		switch {
		case !r.Discussed(n):
			line(v.t("md_not_discussed"))
		case r.ExtCount[n] > 0:
			line(v.t("md_spent_ext", "spent", v.dur(r.Spent[n]), "ext", msgs.N(v.lang, "ext", r.ExtCount[n])))
		default:
			line(v.t("md_spent", "spent", v.dur(r.Spent[n])))
		}
		if ns := byTopic[n]; len(ns) > 0 {
			line("")
			line(v.t("md_notes"))
			line("")
			for _, note := range ns {
				line(v.t("md_note", "text", mdText(note.Text), "author", mdAuthor(v.lang, note.AuthorName, note.Anon)))
			}
		}
		if as := actionsOf[n]; len(as) > 0 {
			line("")
			line(v.t("md_actions"))
			line("")
			for _, a := range as {
				line(v.t("md_action", "text", mdText(a.Text), "owner", mdAuthor(v.lang, a.OwnerName, a.AnonOwner)))
			}
		}
	}
	return adapters.File{Name: minutesName(r.ChannelLabel(), started.Format("2006-01-02")), Type: MinutesType, Data: []byte(sb.String())}
}

// mdTopic is a topic's text for the file.
func (v view) mdTopic(n int) string {
	if n < 1 || n > len(v.topics) {
		return ""
	}
	return mdText(v.topics[n-1].Text)
}

func mdAuthor(lang, name string, anon bool) string {
	if anon || name == "" {
		return privacyMsgs.T(lang, "anonymous_author")
	}
	return mdText(name)
}

// mdText puts user text on one line and escapes the characters that Markdown would read as
// markup, so the text reads as it was typed.
func mdText(s string) string {
	var sb strings.Builder
	space := false
	for _, c := range strings.TrimSpace(s) {
		if unicode.IsSpace(c) || unicode.IsControl(c) {
			space = true
			continue
		}
		if space {
			sb.WriteByte(' ')
			space = false
		}
		if strings.ContainsRune("\\`*_[]<>#|~", c) {
			sb.WriteByte('\\')
		}
		sb.WriteRune(c)
	}
	return sb.String()
}

// umlauts spells German letters out as ASCII, so that "Köln-Süd" becomes "koeln-sued" in a
// file name, not "k-ln-s-d".
var umlauts = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss")

// minutesName is "lean-coffee-<channel>-<date>.md" with the channel reduced to characters
// that are safe in a file name on every system.
func minutesName(channel, date string) string {
	var sb strings.Builder
	dash := false
	for _, c := range umlauts.Replace(strings.ToLower(channel)) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			sb.WriteRune(c)
			dash = false
		case !dash && sb.Len() > 0:
			sb.WriteByte('-')
			dash = true
		}
	}
	name := strings.TrimSuffix(sb.String(), "-")
	if name == "" {
		name = "kanal"
	}
	return "lean-coffee-" + name + "-" + date + ".md"
}

// actionPeople are the owners and authors of a round's action items.
func actionPeople(actions []storedAction) []string {
	var out []string
	for _, a := range actions {
		for _, id := range []string{a.Owner, a.Author} {
			if id != "" {
				out = append(out, id)
			}
		}
	}
	return out
}
