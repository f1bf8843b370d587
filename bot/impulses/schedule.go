package impulses

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/de"
	"github.com/robfig/cron/v3"

	"github.com/wolbot/wolbot/bot"
)

// DefaultSchedule is Monday 08:00 in Berlin, whatever the season.
const DefaultSchedule = "CRON_TZ=Europe/Berlin 0 8 * * MON"

// cronParser reads the five standard fields (minute hour day-of-month month day-of-week) and
// the descriptors (@weekly, @daily, @every 2s, …), each optionally prefixed with CRON_TZ=.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Schedule is a parsed cron expression: when impulses go out.
type Schedule struct {
	Expr string // as written, e.g. "CRON_TZ=Europe/Berlin 0 8 * * MON" or "@every 2s"
	s    cron.Schedule
}

// ParseSchedule parses a cron expression. Without a CRON_TZ= (or TZ=) prefix its times are
// read in loc. An expression that never fires ("0 0 30 2 *") is an error too.
func ParseSchedule(expr string, loc *time.Location) (sch Schedule, err error) {
	expr = strings.Join(strings.Fields(expr), " ")
	if expr == "" {
		return Schedule{}, errors.New("empty schedule")
	}
	hasTZ := strings.HasPrefix(expr, "CRON_TZ=") || strings.HasPrefix(expr, "TZ=")
	if hasTZ && !strings.Contains(expr, " ") {
		// The parser would slice out of range on "CRON_TZ=Europe/Berlin" alone.
		return Schedule{}, fmt.Errorf("%q: a time zone alone is not a schedule", expr)
	}
	defer func() {
		if p := recover(); p != nil { // belt and braces: a parser panic is a bad expression
			err = fmt.Errorf("%q: %v", expr, p)
		}
	}()
	s, err := cronParser.Parse(expr)
	if err != nil {
		return Schedule{}, err
	}
	if spec, ok := s.(*cron.SpecSchedule); ok && !hasTZ && loc != nil {
		spec.Location = loc
	}
	sch = Schedule{Expr: expr, s: s}
	if sch.Next(time.Now()).IsZero() {
		return Schedule{}, fmt.Errorf("%q never fires", expr)
	}
	return sch, nil
}

// explainSchedule says in lang, in a user's terms, why expr is no schedule (ParseSchedule's
// errors come from the cron library, in English and in its terms): a wrong number of fields,
// which field is wrong and what it may hold, an unknown time zone, a bad @ form, or a
// schedule that never fires.
func explainSchedule(lang, expr string) string {
	fields := strings.Fields(expr)
	if len(fields) > 0 {
		if key, zone, ok := strings.Cut(fields[0], "="); ok && (key == "CRON_TZ" || key == "TZ") {
			if _, err := time.LoadLocation(zone); err != nil || zone == "" {
				return msgs.T(lang, "sched_zone", "zone", bot.Quote(zone))
			}
			fields = fields[1:]
		}
	}
	if len(fields) > 0 && strings.HasPrefix(fields[0], "@") {
		return msgs.T(lang, "sched_descriptor")
	}
	if len(fields) != 5 {
		return msgs.N(lang, "sched_fields", len(fields))
	}
	for i, f := range fields {
		probe := []string{"*", "*", "*", "*", "*"}
		probe[i] = f
		if _, err := cronParser.Parse(strings.Join(probe, " ")); err != nil {
			return msgs.T(lang, "sched_field", "field", msgs.T(lang, "field_"+strconv.Itoa(i)),
				"value", bot.Quote(f), "range", msgs.T(lang, "range_"+strconv.Itoa(i)))
		}
	}
	return msgs.T(lang, "sched_never")
}

// Next is the first slot strictly after t, or the zero time if there is none.
func (s Schedule) Next(t time.Time) time.Time {
	if s.s == nil {
		return time.Time{}
	}
	return s.s.Next(t)
}

// NextN returns the n slots after t.
func (s Schedule) NextN(t time.Time, n int) []time.Time {
	out := make([]time.Time, 0, n)
	for range n {
		t = s.Next(t)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out
}

// holidayStates are the German states' public holidays as the holiday library keeps them.
var holidayStates = map[string][]*cal.Holiday{
	"BW": de.HolidaysBW, "BY": de.HolidaysBY, "BE": de.HolidaysBE, "BB": de.HolidaysBB,
	"HB": de.HolidaysHB, "HH": de.HolidaysHH, "HE": de.HolidaysHE, "MV": de.HolidaysMV,
	"NI": de.HolidaysNI, "NW": de.HolidaysNW, "RP": de.HolidaysRP, "SL": de.HolidaysSL,
	"SN": de.HolidaysSN, "ST": de.HolidaysST, "SH": de.HolidaysSH, "TH": de.HolidaysTH,
}

// holidays says whether a day is a public holiday in one German state.
type holidays struct {
	state string
	cal   *cal.Calendar // not Cacheable: IsHoliday then only reads, so it is safe concurrently
}

// newHolidays returns the calendar of state ("NW", "BY", …; case does not matter), or nil for "".
func newHolidays(state string) (*holidays, error) {
	state = strings.ToUpper(strings.TrimSpace(state))
	if state == "" {
		return nil, nil
	}
	list, ok := holidayStates[state]
	if !ok {
		return nil, fmt.Errorf("unknown German state %q; want one of BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH", state)
	}
	c := &cal.Calendar{Name: "de-" + state}
	c.AddHoliday(list...)
	return &holidays{state: state, cal: c}, nil
}

// name returns the holiday's name if the calendar day of t in loc is a holiday, else "".
func (h *holidays) name(t time.Time, loc *time.Location) string {
	if h == nil {
		return ""
	}
	actual, observed, hol := h.cal.IsHoliday(t.In(loc))
	if (actual || observed) && hol != nil {
		return hol.Name
	}
	return ""
}
