package leancoffee

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
)

// view is what rendering needs: the round, its topics, the language and the time zone.
type view struct {
	r      *Round
	topics []storedTopic
	lang   string
	loc    *time.Location
	now    time.Time
}

func (v view) t(key string, args ...any) string { return msgs.T(v.lang, key, args...) }

func (v view) dots(n int) string { return msgs.N(v.lang, "dots", n) }

// topicText is a topic's text, escaped for the chat.
func (v view) topicText(n int) string {
	if n < 1 || n > len(v.topics) {
		return "#" + strconv.Itoa(n)
	}
	return adapters.Escape(v.topics[n-1].Text)
}

// author names who proposed topic n, and who proposed the topics merged into it.
func (v view) author(n int) string {
	if n < 1 || n > len(v.topics) {
		return ""
	}
	name := authorName(v.lang, v.topics[n-1].AuthorName, v.topics[n-1].Anon)
	for _, t := range v.topics {
		if t.Into == n {
			name += ", " + authorName(v.lang, t.AuthorName, t.Anon)
		}
	}
	return name
}

// dur formats a duration the way people say it: "45 Sek.", "8 Min.", "1 Min. 30 Sek.".
func (v view) dur(d time.Duration) string {
	d = d.Round(time.Second)
	m, s := int(d/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case m == 0:
		return v.t("dur_sec", "s", s)
	case s == 0 || m >= 10:
		if s >= 30 && m >= 10 {
			m++
		}
		return v.t("dur_min", "m", m)
	default:
		return v.t("dur_min_sec", "m", m, "s", s)
	}
}

func (v view) clock(t time.Time) string {
	return v.t("clock", "hm", t.In(v.loc).Format("15:04"))
}

func (v view) extList() string {
	if len(v.r.Extensions) == 0 {
		return v.t("none")
	}
	parts := make([]string, len(v.r.Extensions))
	for i, d := range v.r.Extensions {
		parts[i] = v.dur(d)
	}
	return strings.Join(parts, ", ")
}

// button builds a button with its text-command equivalent.
func button(id, label, value, command string, style adapters.Style) adapters.Button {
	return adapters.Button{ID: id, Label: label, Value: value, Command: command, Style: style}
}

// stepValue is carried by steering buttons: a click counts only if the round is still at the
// step the button was rendered for, so a double click never skips two topics.
func stepValue(r *Round) string {
	return r.ID + ":" + string(r.Phase) + ":" + strconv.FormatInt(r.Seq, 10)
}

// board renders the round's board post, updated in place as the round goes on.
func (v view) board() adapters.Message {
	r := v.r
	var sb strings.Builder
	line := func(s string) { sb.WriteString(s + "\n") }
	line(v.t("board_title_" + string(r.Phase)))
	line(v.t("board_meta", "mod", modName(v.lang, r), "dots", v.dots(r.Dots),
		"timebox", v.dur(r.Timebox), "ext", v.extList()))
	if !r.Begin.IsZero() && v.now.Before(r.Begin) && (r.Phase == PhaseCollecting || r.Phase == PhaseVoting) {
		line(v.t("board_begin", "when", bot.FormatDayTime(v.lang, r.Begin.In(v.loc))))
	}
	line("")
	var buttons []adapters.Button
	switch r.Phase {
	case PhaseCollecting:
		if r.Topics == 0 {
			line(v.t("board_no_topics"))
		}
		for n := 1; n <= r.Topics; n++ {
			if slices.Contains(r.Merged, n) {
				continue
			}
			line(v.t("board_topic_collect", "n", n, "text", v.topicText(n), "author", v.author(n)))
		}
		line("")
		line(v.t("board_hint_collecting"))
		buttons = append(buttons, button("lc.next", v.t("btn_start_voting"), stepValue(r), v.t("cmd_next"), adapters.StylePrimary))
	case PhaseVoting:
		if r.Topics == 0 {
			line(v.t("board_no_topics"))
		}
		for n := 1; n <= r.Topics; n++ {
			if slices.Contains(r.Merged, n) {
				continue
			}
			line(v.t("board_topic_votes", "n", n, "text", v.topicText(n), "votes", v.dots(r.Votes[n])))
			buttons = append(buttons, button("lc.vote", v.t("btn_vote", "n", n), r.ID+":"+strconv.Itoa(n),
				v.t("cmd_vote", "n", n), adapters.StyleDefault))
		}
		line("")
		if r.Open {
			line(v.t("board_hint_open"))
		}
		line(v.t("board_hint_voting", "dots", v.dots(r.Dots), "pertopic", r.PerTopic))
		buttons = append(buttons, button("lc.next", v.t("btn_start_discussion"), stepValue(r), v.t("cmd_next"), adapters.StylePrimary))
	case PhaseDiscussing:
		if r.Stage == StageThumbs {
			up, side, down := countThumbs(r.Thumbs)
			line(v.t("board_now_thumbs", "pos", r.Cur+1, "count", len(r.Order), "n", r.Topic, "text", v.topicText(r.Topic),
				"up", up, "side", side, "down", down))
		} else {
			line(v.t("board_now_talk", "pos", r.Cur+1, "count", len(r.Order), "n", r.Topic, "text", v.topicText(r.Topic),
				"clock", v.clock(r.Due)))
		}
		line("")
		v.orderedTopics(line)
		line("")
		line(v.t("board_hint_discussing"))
		buttons = append(buttons,
			button("lc.extend", v.t("btn_extend"), stepValue(r), v.t("cmd_extend"), adapters.StyleDefault),
			button("lc.next", v.t("btn_next_topic"), stepValue(r), v.t("cmd_next"), adapters.StylePrimary),
			button("lc.end", v.t("btn_end"), stepValue(r), v.t("cmd_end"), adapters.StyleDanger))
	case PhaseEnded:
		v.orderedTopics(line)
		line("")
		line(v.t("board_ended"))
	}
	return adapters.Message{Text: strings.TrimRight(sb.String(), "\n"), Buttons: buttons}
}

// orderedTopics lists topics in discussion order with their state.
func (v view) orderedTopics(line func(string)) {
	r := v.r
	for _, n := range v.order() {
		votes := v.dots(r.Votes[n])
		switch {
		case r.Phase == PhaseDiscussing && n == r.Topic:
			line(v.t("board_topic_current", "n", n, "text", v.topicText(n), "votes", votes))
		case r.Discussed(n):
			line(v.t("board_topic_done", "n", n, "text", v.topicText(n), "votes", votes, "spent", v.dur(r.Spent[n])))
		default:
			line(v.t("board_topic_waiting", "n", n, "text", v.topicText(n), "votes", votes))
		}
	}
}

// order is the discussion order, or the vote order when discussion never started.
func (v view) order() []int {
	if len(v.r.Order) > 0 {
		return v.r.Order
	}
	return discussionOrder(v.r.Topics, v.r.Votes, v.r.Merged)
}

// summary renders the minutes: all topics in vote order, discussed or not, with dots, time
// and notes.
func (v view) summary(notes []storedNote, actions []storedAction, people int) adapters.Message {
	r := v.r
	var sb strings.Builder
	line := func(s string) { sb.WriteString(s + "\n") }
	line(v.t("sum_title", "date", bot.FormatDate(v.lang, r.MeetingStart().In(v.loc))))
	total := r.Ended.Sub(r.MeetingStart())
	line(v.t("sum_meta", "mod", modName(v.lang, r), "people", msgs.N(v.lang, "people", people), "dur", v.dur(total)))
	line("")
	if r.Topics == 0 {
		line(v.t("sum_no_topics"))
	}
	byTopic, actionsOf := perTopic(notes, actions)
	for _, n := range v.order() {
		args := []any{"n", n, "text", v.topicText(n), "votes", v.dots(r.Votes[n]), "spent", v.dur(r.Spent[n])}
		switch {
		case !r.Discussed(n):
			line(v.t("sum_topic_open", args...))
		case r.ExtCount[n] > 0:
			line(v.t("sum_topic_ext", append(args, "ext", msgs.N(v.lang, "ext", r.ExtCount[n]))...))
		default:
			line(v.t("sum_topic_done", args...))
		}
		for _, note := range byTopic[n] {
			line(v.t("sum_note", "text", adapters.Escape(note.Text), "author", authorName(v.lang, note.AuthorName, note.Anon)))
		}
		for _, a := range actionsOf[n] {
			line(v.t("sum_action", "text", adapters.Escape(a.Text), "owner", a.ownerName(v.lang)))
		}
	}
	line("")
	line(v.t("sum_footer"))
	return adapters.Message{Text: strings.TrimRight(sb.String(), "\n")}
}

// thumbsPrompt is the post that asks for the thumbs vote when a timebox ends.
func (v view) thumbsPrompt() adapters.Message {
	r := v.r
	value := func(t string) string { return r.ID + ":" + strconv.FormatInt(r.Seq, 10) + ":" + t }
	return adapters.Message{
		Text: v.t("ann_thumbs", "text", v.topicText(r.Topic), "clock", v.clock(r.Due)),
		Buttons: []adapters.Button{
			button("lc.thumbs", v.t("btn_up"), value(ThumbUp), v.t("cmd_up"), adapters.StylePrimary),
			button("lc.thumbs", v.t("btn_side"), value(ThumbSide), v.t("cmd_side"), adapters.StyleDefault),
			button("lc.thumbs", v.t("btn_down"), value(ThumbDown), v.t("cmd_down"), adapters.StyleDefault),
		},
	}
}

// thumbsResult replaces the prompt once the vote has closed.
func (v view) thumbsResult(prevTopic int, res Result) adapters.Message {
	head := v.t("ann_thumbs_closed", "text", v.topicText(prevTopic))
	var result string
	switch {
	case !res.Closed && res.Outcome == OutEnded:
		result = v.t("ann_result_ended")
	case !res.Closed:
		result = v.t("ann_result_skipped")
	case res.Outcome == OutExtended:
		result = v.t("ann_result_extend", "up", res.Up, "side", res.Side, "down", res.Down, "dur", v.dur(res.Extension))
	case res.NoMoreExt:
		result = v.t("ann_result_noext", "up", res.Up, "side", res.Side, "down", res.Down)
	default:
		result = v.t("ann_result_next", "up", res.Up, "side", res.Side, "down", res.Down)
	}
	return adapters.Message{Text: head + "\n" + result}
}

// status answers /lc status for one person: a line on where the round stands, then the board.
func (v view) status(dotsUsed int) adapters.Message {
	r := v.r
	var head string
	switch {
	case r.Phase == PhaseCollecting:
		head = v.t("status_collecting", "mod", modName(v.lang, r))
	case r.Phase == PhaseVoting:
		head = v.t("status_voting", "left", r.Dots-dotsUsed, "dots", msgs.N(v.lang, "dots_of", r.Dots))
	case r.Phase == PhaseDiscussing && r.Stage == StageThumbs:
		head = v.t("status_thumbs", "pos", r.Cur+1, "count", len(r.Order), "clock", v.clock(r.Due))
	case r.Phase == PhaseDiscussing:
		left := max(r.Due.Sub(v.now), 0)
		head = v.t("status_talk", "pos", r.Cur+1, "count", len(r.Order), "clock", v.clock(r.Due), "left", v.dur(left))
	default:
		head = v.t("status_ended")
	}
	board := v.board()
	return adapters.Message{Text: head + "\n\n" + board.Text}
}

func countThumbs(th map[string]string) (up, side, down int) {
	for _, t := range th {
		switch t {
		case ThumbUp:
			up++
		case ThumbSide:
			side++
		case ThumbDown:
			down++
		}
	}
	return up, side, down
}

// thumbEmoji is the symbol of a thumbs vote.
func thumbEmoji(t string) string {
	switch t {
	case ThumbUp:
		return "👍"
	case ThumbSide:
		return "✋"
	case ThumbDown:
		return "👎"
	}
	return ""
}

// perTopic groups a round's notes and its live (not struck out) action items by topic, for
// the summary and the minutes.
func perTopic(notes []storedNote, actions []storedAction) (map[int][]storedNote, map[int][]storedAction) {
	byTopic := map[int][]storedNote{}
	for _, n := range notes {
		byTopic[n.Topic] = append(byTopic[n.Topic], n)
	}
	actionsOf := map[int][]storedAction{}
	for _, a := range liveActions(actions) {
		actionsOf[a.Topic] = append(actionsOf[a.Topic], a)
	}
	return byTopic, actionsOf
}
