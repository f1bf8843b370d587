package bot

import "time"

// ClockDefaults fills a feature's time settings: the zone of clock times people read (default
// Europe/Berlin, UTC where the zone database is missing) and the clock (default time.Now).
func ClockDefaults(loc *time.Location, now func() time.Time) (*time.Location, func() time.Time) {
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation("Europe/Berlin"); err != nil {
			loc = time.UTC
		}
	}
	if now == nil {
		now = time.Now
	}
	return loc, now
}
