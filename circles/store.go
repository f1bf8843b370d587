package circles

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wolbot/wolbot/storage"
)

// Key schema. Global registries share the hash tag {wol}; everything of one region shares the
// tag {wol:<region>}, so the Lua scripts and transactions below stay within one Redis Cluster
// slot; a person's enrolment dialog has a tag of its own:
//
//	wolbot:<ns>:wol:{wol}:regions          HASH    region id → JSON regionRec (name, municipalities)
//	wolbot:<ns>:wol:{wol}:admins           HASH    person key → JSON adminRec (regional admins)
//	wolbot:<ns>:wol:{wol}:channels         HASH    channel id → circle id "<region>-<n>"
//	wolbot:<ns>:wol:{wol:<r>}:round        HASH    the region's current round (see roundRec)
//	wolbot:<ns>:wol:{wol:<r>}:enrol        HASH    person key → JSON enrolment (current round)
//	wolbot:<ns>:wol:{wol:<r>}:preview      STRING  JSON preview of the current round
//	wolbot:<ns>:wol:{wol:<r>}:circles      HASH    circle number → JSON circleRec
//	wolbot:<ns>:wol:{wol:<r>}:incircle     HASH    person key → circle number (active members)
//	wolbot:<ns>:wol:{wol:<r>}:waitlist     HASH    person key → JSON waiting (after a confirm)
//	wolbot:<ns>:wol:{wol:<r>}:checkins     HASH    "<n>:<week>" → yes | no
//	wolbot:<ns>:wol:{wol:<r>}:continue     HASH    "<n>:<person key>" → together | newmix | end
//	wolbot:<ns>:wol:{wol:<r>}:fit          HASH    "<n>:<person key>" → good | unsure | no (meeting.go)
//	wolbot:<ns>:wol:{wol:<r>}:marks        HASH    "<n>:<week>:<kind>" → unix ms of a post in
//	                                               flight, or "done" once it is posted
//	wolbot:<ns>:wol:{wol:u:<person key>}:dialog  HASH  the enrolment dialog (see dialog.go)
//
// A person key is "<platform>:<user id>". Round hash fields:
//
//	n            round number in the region (1, 2, …)
//	status       open | closed | confirming | confirmed
//	cfg          JSON roundConfig
//	seed         the matcher's seed, fixed when the round opens: preview and confirm agree
//	ver          bumped by every change of an enrolment: a preview of an older ver is stale
//	circle_seq   circles ever confirmed in the region; new circles are numbered after it
//	base         circle_seq before this round's confirm (set once: a retried confirm reuses it)
//	lang         language of the circles' channels (the opening admin's)
//	by           person key of the admin who opened the round; confirmer: who confirmed
//	team         team of the confirming admin, where the private channels are created
//	dropouts     people who left a circle of the region
//
// Enrolments change through Lua scripts that check the round's status and bump ver in the same
// step, so an enrolment can never slip into a closed round or past a preview unnoticed. Circle
// records change through optimistic transactions (WATCH on the circles hash).

// Round statuses.
const (
	statusOpen       = "open"
	statusClosed     = "closed"
	statusConfirming = "confirming"
	statusConfirmed  = "confirmed"
)

// Circle statuses.
const (
	circleActive    = "active"
	circleMerged    = "merged"
	circleDissolved = "dissolved" // ended by an admin after it became too small
)

// regionRec is one region as admins set it up.
type regionRec struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Municipalities []string `json:"munis"`
}

// adminRec is a regional admin.
type adminRec struct {
	Name    string   `json:"name"`
	Regions []string `json:"regions"`
}

// enrolment is one person's entry in a round; it travels into the circle record on confirm.
type enrolment struct {
	Key          string   `json:"key"` // person key "<platform>:<user>"
	User         string   `json:"user"`
	Name         string   `json:"name"` // handle
	Municipality string   `json:"muni"`
	Role         string   `json:"role"` // planung | leitung | fachdienst | sonstiges
	Goal         string   `json:"goal"`
	Slots        []string `json:"slots"`
	Lang         string   `json:"lang"`
	Paused       bool     `json:"paused,omitempty"`
}

// roundRec is the round hash, decoded.
type roundRec struct {
	N         int
	Status    string
	Cfg       roundConfig
	Seed      int64
	Ver       int64
	CircleSeq int
	Base      int
	HasBase   bool
	Lang      string
	By        string
	Confirmer string
	Team      string
	Dropouts  int
}

// preview is a stored matcher proposal for the current round.
type preview struct {
	Ver      int64            `json:"ver"`                // round ver it was computed for
	Adjusted bool             `json:"adjusted,omitempty"` // an admin moved someone: never recompute silently
	Circles  []previewCircle  `json:"circles"`
	Waitlist []previewWaiting `json:"waitlist"`
}

type previewCircle struct {
	Members []string `json:"members"` // person keys
	Slot    string   `json:"slot"`
}

type previewWaiting struct {
	Key    string `json:"key"`
	Reason string `json:"reason"` // the matcher's English reason, for logs and admins
}

// circleRec is one confirmed circle.
type circleRec struct {
	N          int         `json:"n"`
	Region     string      `json:"region"`
	Round      int         `json:"round"`
	Channel    string      `json:"channel,omitempty"` // set right after the channel is created
	Slot       string      `json:"slot"`
	Members    []enrolment `json:"members"`
	Status     string      `json:"status"`
	MergedInto int         `json:"merged_into,omitempty"`
	First      int64       `json:"first"`  // unix ms of meeting 1
	Week       int64       `json:"week"`   // ms between meetings
	Length     int64       `json:"length"` // ms, scaled like Week
	Weeks      int         `json:"weeks"`
	Lang       string      `json:"lang"`
	Admin      string      `json:"admin"`         // person key of the confirming admin (merge offers)
	Max        int         `json:"max,omitempty"` // the round's maximum circle size (merges keep it)
	// Calendar is unix ms of meeting 1 as people read it when the week is scaled for a demo
	// (WOLBOT_WOL_WEEK): the real date from start= and the slot; 0 means First.
	Calendar int64 `json:"calendar,omitempty"`
	// Room is the random suffix of the circle's video room link (meeting.go); also part of
	// its calendar UID.
	Room string `json:"room,omitempty"`
	// CalSeq is the SEQUENCE of the circle's calendar file last sent: 0 with the welcome,
	// one more for every change (meeting.go).
	CalSeq int `json:"cal_seq,omitempty"`
	// CalFrom is the first week the calendar series shows: 0 (all weeks) until the slot
	// was moved, then the first moved meeting (meeting.go).
	CalFrom int `json:"cal_from,omitempty"`
	// Minutes is the meeting length people read (the round's dauer=), unscaled; 0 in circles
	// from before it was kept, which then derive it from Length.
	Minutes int `json:"minutes,omitempty"`
	// TZ is the time zone whose clock the meetings keep (the bot's, Europe/Berlin by default):
	// with real weeks, meeting k is meeting 1 plus k-1 calendar weeks there, so the end or
	// start of summer time moves no meeting. Empty in circles from before it was kept, which
	// step by Week.
	TZ string `json:"tz,omitempty"`
}

// ID is the circle's name in commands and keys: "<region>-<n>".
func (c *circleRec) ID() string { return c.Region + "-" + strconv.Itoa(c.N) }

// ChannelName is the name the bot gives the circle's private channel: what people see in
// their channel list, unlike the platform's channel id.
func (c *circleRec) ChannelName() string { return "wol-" + c.ID() }

// meeting returns the start of meeting k (1-based): k-1 calendar weeks after meeting 1 in the
// circle's time zone with real weeks, k-1 Weeks after it with a demo week.
func (c *circleRec) meeting(k int) time.Time {
	if loc := c.location(); loc != nil && c.Week == DefaultWeek.Milliseconds() {
		return time.UnixMilli(c.First).In(loc).AddDate(0, 0, 7*(k-1))
	}
	return time.UnixMilli(c.First + int64(k-1)*c.Week)
}

// calendarMeeting is meeting k as people read it: on the real calendar, a week apart, even
// when the companion runs on a scaled week.
func (c *circleRec) calendarMeeting(k int) time.Time {
	if c.Calendar == 0 {
		return c.meeting(k)
	}
	first := time.UnixMilli(c.Calendar)
	if loc := c.location(); loc != nil {
		first = first.In(loc)
	}
	return first.AddDate(0, 0, 7*(k-1))
}

// locations caches the time zones of circles (time.LoadLocation reads the zone database).
var locations sync.Map // name → *time.Location

// location is the circle's time zone, nil when none is stored or it is unknown here.
func (c *circleRec) location() *time.Location {
	if c.TZ == "" {
		return nil
	}
	if l, ok := locations.Load(c.TZ); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(c.TZ)
	if err != nil {
		return nil
	}
	locations.Store(c.TZ, l)
	return l
}

// waiting is a person on the region's waitlist after a confirm.
type waiting struct {
	enrolment
	Reason string `json:"reason"`
}

type store struct {
	s                         *storage.Store
	regions, admins, channels string
}

func newStore(s *storage.Store) *store {
	g := storage.Tag("wol")
	return &store{s: s, regions: s.Key("wol", g, "regions"), admins: s.Key("wol", g, "admins"), channels: s.Key("wol", g, "channels")}
}

// rkeys are the keys of one region.
type rkeys struct {
	region                                                             string
	round, enrol, preview, circles, incircle, waitlist, checkins, cont string
	marks, fit                                                         string
}

func (st *store) rk(region string) rkeys {
	p := st.s.Key("wol", storage.Tag("wol:"+region)) + ":"
	return rkeys{region: region, round: p + "round", enrol: p + "enrol", preview: p + "preview", circles: p + "circles",
		incircle: p + "incircle", waitlist: p + "waitlist", checkins: p + "checkins", cont: p + "continue", marks: p + "marks",
		fit: p + "fit"}
}

func (k rkeys) all() []string {
	return []string{k.round, k.enrol, k.preview, k.circles, k.incircle, k.waitlist, k.checkins, k.cont, k.marks, k.fit}
}

func (st *store) dialogKey(person string) string {
	return st.s.Key("wol", storage.Tag("wol:u:"+person), "dialog")
}

var redisNil = redis.Nil

// region returns a region, or nil when it does not exist.
func (st *store) region(ctx context.Context, id string) (*regionRec, error) {
	v, err := st.s.Client.HGet(ctx, st.regions, id).Result()
	if errors.Is(err, redisNil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("circles: load region %s: %w", id, err)
	}
	var r regionRec
	if err := json.Unmarshal([]byte(v), &r); err != nil {
		return nil, fmt.Errorf("circles: decode region %s: %w", id, err)
	}
	return &r, nil
}

// allRegions returns every region, sorted by id.
func (st *store) allRegions(ctx context.Context) ([]regionRec, error) {
	m, err := st.s.Client.HGetAll(ctx, st.regions).Result()
	if err != nil {
		return nil, fmt.Errorf("circles: load regions: %w", err)
	}
	out := make([]regionRec, 0, len(m))
	for _, v := range m {
		var r regionRec
		if err := json.Unmarshal([]byte(v), &r); err != nil {
			return nil, fmt.Errorf("circles: decode region: %w", err)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b regionRec) int { return compareStrings(a.ID, b.ID) })
	return out, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// putRegion writes a region; with onlyNew it refuses (false) when the id exists.
func (st *store) putRegion(ctx context.Context, r *regionRec, onlyNew bool) (bool, error) {
	js, err := json.Marshal(r)
	if err != nil {
		return false, fmt.Errorf("circles: encode region: %w", err)
	}
	if onlyNew {
		ok, err := st.s.Client.HSetNX(ctx, st.regions, r.ID, js).Result()
		if err != nil {
			return false, fmt.Errorf("circles: add region %s: %w", r.ID, err)
		}
		return ok, nil
	}
	if err := st.s.Client.HSet(ctx, st.regions, r.ID, js).Err(); err != nil {
		return false, fmt.Errorf("circles: store region %s: %w", r.ID, err)
	}
	return true, nil
}

// round loads a region's round hash; N == 0 when no round was ever opened.
func (st *store) round(ctx context.Context, k rkeys) (*roundRec, error) {
	m, err := st.s.Client.HGetAll(ctx, k.round).Result()
	if err != nil {
		return nil, fmt.Errorf("circles: load round %s: %w", k.region, err)
	}
	return decodeRound(m)
}

func decodeRound(m map[string]string) (*roundRec, error) {
	r := &roundRec{Status: m["status"], Lang: m["lang"], By: m["by"], Confirmer: m["confirmer"], Team: m["team"]}
	r.N, _ = strconv.Atoi(m["n"])
	r.Seed, _ = strconv.ParseInt(m["seed"], 10, 64)
	r.Ver, _ = strconv.ParseInt(m["ver"], 10, 64)
	r.CircleSeq, _ = strconv.Atoi(m["circle_seq"])
	r.Dropouts, _ = strconv.Atoi(m["dropouts"])
	if b, ok := m["base"]; ok {
		r.Base, _ = strconv.Atoi(b)
		r.HasBase = true
	}
	if c := m["cfg"]; c != "" {
		if err := json.Unmarshal([]byte(c), &r.Cfg); err != nil {
			return nil, fmt.Errorf("circles: decode round config: %w", err)
		}
	}
	return r, nil
}

// openRoundScript opens a new round unless one is open, closed or being confirmed: ARGV cfg,
// seed, lang, by. The last round's enrolments and preview go; its circles stay.
var openRoundScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if st == 'open' or st == 'closed' or st == 'confirming' then return {'busy', st} end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
redis.call('HSET', KEYS[1], 'status', 'open', 'cfg', ARGV[1], 'seed', ARGV[2], 'lang', ARGV[3], 'by', ARGV[4])
redis.call('HDEL', KEYS[1], 'base', 'confirmer', 'team')
redis.call('HINCRBY', KEYS[1], 'ver', 1)
redis.call('DEL', KEYS[2], KEYS[3])
return {'ok', tostring(n)}
`)

// enrolScript writes person ARGV[1]'s enrolment ARGV[2] if the round is open. ARGV[3] is
// "new" (refuse an existing entry) or "update" (refuse a missing one).
var enrolScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'status') ~= 'open' then return 'closed' end
local exists = redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1
if ARGV[3] == 'new' and exists then return 'exists' end
if ARGV[3] == 'update' and not exists then return 'none' end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'ver', 1)
return 'ok'
`)

// unenrolScript removes person ARGV[1] from a round that is not yet being confirmed.
var unenrolScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if st ~= 'open' and st ~= 'closed' then return 'locked' end
if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then return 'none' end
redis.call('HINCRBY', KEYS[1], 'ver', 1)
return 'ok'
`)

// confirmBeginScript starts (or resumes) the confirm of a round with ARGV[1] circles whose
// preview was made at ver ARGV[2]. It returns {status, base}: circles are numbered base+1…
// A retry finds the round confirming and gets the same base.
var confirmBeginScript = redis.NewScript(`
local r = redis.call('HMGET', KEYS[1], 'status', 'ver', 'base')
if r[1] == 'confirming' then return {'ok', r[3]} end
if r[1] == 'confirmed' then return {'done', r[3] or '0'} end
if r[1] ~= 'open' and r[1] ~= 'closed' then return {'none', '0'} end
if r[2] ~= ARGV[2] then return {'stale', '0'} end
local seq = redis.call('HINCRBY', KEYS[1], 'circle_seq', ARGV[1])
local base = seq - tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'status', 'confirming', 'base', base, 'confirmer', ARGV[3], 'team', ARGV[4])
return {'ok', tostring(base)}
`)

// reserveScript reserves the post ARGV[1] in the marks hash at unix ms ARGV[2]: 'done' when it
// was posted, 'busy' while another attempt younger than ARGV[3] ms is posting it, else 'ok'
// (also taking over an attempt that died).
var reserveScript = redis.NewScript(`
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v == 'done' then return 'done' end
if v and tonumber(ARGV[2]) - tonumber(v) < tonumber(ARGV[3]) then return 'busy' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 'ok'
`)

// errBusy means another replica is posting the same message right now; the timer retries.
var errBusy = errors.New("circles: post in flight elsewhere")

// reserveTakeover is how old a reservation must be before another attempt posts instead: longer
// than a timer lease, so only a dead attempt is taken over.
const reserveTakeover = 45 * time.Second

// once runs post unless the mark says it was done; it marks it done afterwards. A post that
// died halfway is posted again by the next attempt with the same Message.Key.
func (st *store) once(ctx context.Context, k rkeys, mark string, now time.Time, post func() error) (bool, error) {
	res, err := reserveScript.Run(ctx, st.s.Client, []string{k.marks}, mark, now.UnixMilli(), reserveTakeover.Milliseconds()).Text()
	if err != nil {
		return false, fmt.Errorf("circles: reserve %s: %w", mark, err)
	}
	switch res {
	case "done":
		return false, nil
	case "busy":
		return false, errBusy
	}
	if err := post(); err != nil {
		// Free the reservation, so that the retry posts at once instead of waiting for the
		// takeover time.
		_ = st.s.Client.HDel(context.WithoutCancel(ctx), k.marks, mark).Err()
		return false, err
	}
	if err := st.s.Client.HSet(ctx, k.marks, mark, "done").Err(); err != nil {
		return true, fmt.Errorf("circles: mark %s: %w", mark, err)
	}
	return true, nil
}

// enrolments returns a round's enrolments sorted by name, then key.
func (st *store) enrolments(ctx context.Context, k rkeys) ([]enrolment, error) {
	m, err := st.s.Client.HGetAll(ctx, k.enrol).Result()
	if err != nil {
		return nil, fmt.Errorf("circles: load enrolments %s: %w", k.region, err)
	}
	out := make([]enrolment, 0, len(m))
	for _, v := range m {
		var e enrolment
		if err := json.Unmarshal([]byte(v), &e); err != nil {
			return nil, fmt.Errorf("circles: decode enrolment: %w", err)
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b enrolment) int {
		if c := compareStrings(a.Name, b.Name); c != 0 {
			return c
		}
		return compareStrings(a.Key, b.Key)
	})
	return out, nil
}

func (st *store) enrolmentOf(ctx context.Context, k rkeys, person string) (*enrolment, error) {
	v, err := st.s.Client.HGet(ctx, k.enrol, person).Result()
	if errors.Is(err, redisNil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("circles: load enrolment: %w", err)
	}
	var e enrolment
	if err := json.Unmarshal([]byte(v), &e); err != nil {
		return nil, fmt.Errorf("circles: decode enrolment: %w", err)
	}
	return &e, nil
}

// writeEnrolment runs enrolScript; mode is "new" or "update".
func (st *store) writeEnrolment(ctx context.Context, k rkeys, e *enrolment, mode string) (string, error) {
	js, err := json.Marshal(e)
	if err != nil {
		return "", fmt.Errorf("circles: encode enrolment: %w", err)
	}
	res, err := enrolScript.Run(ctx, st.s.Client, []string{k.round, k.enrol}, e.Key, js, mode).Text()
	if err != nil {
		return "", fmt.Errorf("circles: enrol: %w", err)
	}
	return res, nil
}

func (st *store) loadPreview(ctx context.Context, k rkeys) (*preview, error) {
	v, err := st.s.Client.Get(ctx, k.preview).Result()
	if errors.Is(err, redisNil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("circles: load preview: %w", err)
	}
	var p preview
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return nil, fmt.Errorf("circles: decode preview: %w", err)
	}
	return &p, nil
}

func (st *store) savePreview(ctx context.Context, k rkeys, p *preview) error {
	js, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("circles: encode preview: %w", err)
	}
	if err := st.s.Client.Set(ctx, k.preview, js, 0).Err(); err != nil {
		return fmt.Errorf("circles: store preview: %w", err)
	}
	return nil
}

func (st *store) circle(ctx context.Context, k rkeys, n int) (*circleRec, error) {
	v, err := st.s.Client.HGet(ctx, k.circles, strconv.Itoa(n)).Result()
	if errors.Is(err, redisNil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("circles: load circle %s-%d: %w", k.region, n, err)
	}
	var c circleRec
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return nil, fmt.Errorf("circles: decode circle: %w", err)
	}
	return &c, nil
}

// allCircles returns the region's circles by number.
func (st *store) allCircles(ctx context.Context, k rkeys) ([]circleRec, error) {
	m, err := st.s.Client.HGetAll(ctx, k.circles).Result()
	if err != nil {
		return nil, fmt.Errorf("circles: load circles %s: %w", k.region, err)
	}
	out := make([]circleRec, 0, len(m))
	for _, v := range m {
		var c circleRec
		if err := json.Unmarshal([]byte(v), &c); err != nil {
			return nil, fmt.Errorf("circles: decode circle: %w", err)
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b circleRec) int { return a.N - b.N })
	return out, nil
}

// createCircle writes c unless circle c.N exists; it returns the stored circle either way, so
// a retried confirm continues with the record (and channel) of the first attempt.
func (st *store) createCircle(ctx context.Context, k rkeys, c *circleRec) (*circleRec, error) {
	js, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("circles: encode circle: %w", err)
	}
	if err := st.s.Client.HSetNX(ctx, k.circles, strconv.Itoa(c.N), js).Err(); err != nil {
		return nil, fmt.Errorf("circles: create circle: %w", err)
	}
	return st.circle(ctx, k, c.N)
}

// errNoCircle is returned by updateCircle when the circle does not exist.
var errNoCircle = errors.New("circles: no such circle")

// updateCircle changes circle n with fn inside an optimistic transaction; extra runs in the
// same MULTI (index updates of the same region). fn may return an error to abort.
func (st *store) updateCircle(ctx context.Context, k rkeys, n int, fn func(c *circleRec) error, extra func(p redis.Pipeliner, c *circleRec)) (*circleRec, error) {
	field := strconv.Itoa(n)
	var out *circleRec
	for range 20 {
		err := st.s.Client.Watch(ctx, func(tx *redis.Tx) error {
			v, err := tx.HGet(ctx, k.circles, field).Result()
			if errors.Is(err, redisNil) {
				return errNoCircle
			}
			if err != nil {
				return err
			}
			var c circleRec
			if err := json.Unmarshal([]byte(v), &c); err != nil {
				return fmt.Errorf("decode circle: %w", err)
			}
			if err := fn(&c); err != nil {
				return err
			}
			js, err := json.Marshal(&c)
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.HSet(ctx, k.circles, field, js)
				if extra != nil {
					extra(p, &c)
				}
				return nil
			})
			out = &c
			return err
		}, k.circles)
		if errors.Is(err, redis.TxFailedErr) {
			continue // a concurrent change: read again
		}
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	return nil, fmt.Errorf("circles: update circle %s-%d: too much contention", k.region, n)
}

// regionalAdmin returns a person's regional admin record, or nil.
func (st *store) regionalAdmin(ctx context.Context, person string) (*adminRec, error) {
	v, err := st.s.Client.HGet(ctx, st.admins, person).Result()
	if errors.Is(err, redisNil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("circles: load admin: %w", err)
	}
	var a adminRec
	if err := json.Unmarshal([]byte(v), &a); err != nil {
		return nil, fmt.Errorf("circles: decode admin: %w", err)
	}
	return &a, nil
}

// circleByID parses "<region>-<n>" (or "<n>" within region def) into region and number.
func circleByID(id, def string) (string, int, bool) {
	i := len(id) - 1
	for i >= 0 && id[i] >= '0' && id[i] <= '9' {
		i--
	}
	n, err := strconv.Atoi(id[i+1:])
	if err != nil || n < 1 {
		return "", 0, false
	}
	switch {
	case i < 0 && def != "":
		return def, n, true
	case i > 0 && id[i] == '-':
		return id[:i], n, true
	}
	return "", 0, false
}
