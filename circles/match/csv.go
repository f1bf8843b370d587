package match

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// CSV columns. The first five are required, in any order; role and former are optional;
// other columns (an e-mail address, a timestamp from a form tool) are ignored.
var (
	requiredColumns = []string{"id", "name", "municipality", "region", "slots"}
	optionalColumns = []string{"role", "former"}
)

// ReadCSV reads people from a CSV with the header id,name,municipality,region,slots and
// optionally role and former. Lists (slots, former) are separated by ';'. Slots are a
// weekday (mo, di, mi, do, fr) and a part of the day (am, mid, pm), e.g. "mo-am", in any
// case. A file saved by a German spreadsheet, with ';' between columns and the lists quoted,
// is read as well. Errors name the line and column.
func ReadCSV(r io.Reader) ([]Person, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	// A byte-order mark, as spreadsheet programs write it, is not part of the first column name.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(data))
	if line, _, _ := bytes.Cut(data, []byte("\n")); !bytes.ContainsRune(line, ',') && bytes.ContainsRune(line, ';') {
		cr.Comma = ';'
	}
	cr.TrimLeadingSpace = true

	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("csv: empty input; want a header line id,name,municipality,region,slots")
	}
	if err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(requiredColumns, h) && !slices.Contains(optionalColumns, h) {
			continue
		}
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("csv: line 1, column %d: column %q appears twice", i+1, h)
		}
		col[h] = i
	}
	for _, h := range requiredColumns {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("csv: line 1: missing column %q; want a header with %s", h, strings.Join(requiredColumns, ","))
		}
	}

	var people []Person
	firstLine := map[string]int{} // id → line, to name both lines of a duplicate
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return people, nil
		}
		if err != nil {
			return nil, fmt.Errorf("csv: %w", err) // csv.ParseError names line and column
		}
		line, _ := cr.FieldPos(0)
		fieldErr := func(name string, format string, args ...any) error {
			c := col[name]
			return fmt.Errorf("csv: line %d, column %d (%s): %s", line, c+1, name, fmt.Sprintf(format, args...))
		}
		get := func(name string) string {
			if c, ok := col[name]; ok {
				return strings.TrimSpace(rec[c])
			}
			return ""
		}
		p := Person{ID: get("id"), Name: get("name"), Municipality: get("municipality"), Region: get("region"), Role: get("role")}
		for _, name := range []string{"id", "municipality", "region"} {
			if get(name) == "" {
				return nil, fieldErr(name, "empty")
			}
		}
		if l, dup := firstLine[p.ID]; dup {
			return nil, fieldErr("id", "duplicate id %q (first on line %d)", p.ID, l)
		}
		firstLine[p.ID] = line
		for _, s := range splitList(get("slots")) {
			s = strings.ToLower(s)
			if slotRank(s) < 0 {
				return nil, fieldErr("slots", "unknown slot %q; want a weekday mo|di|mi|do|fr, a dash and am|mid|pm, e.g. mo-am", s)
			}
			if !slices.Contains(p.Slots, s) {
				p.Slots = append(p.Slots, s)
			}
		}
		p.Former = splitList(get("former"))
		people = append(people, p)
	}
}

// splitList splits a ';'-separated list; commas and spaces separate too, as people type them.
func splitList(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '\t' })
	if len(f) == 0 {
		return nil // as in a Person built by hand
	}
	return f
}

// WriteCSV writes one row per person: header circle,id,name,municipality,slot. circle is
// "<region>-<n>" (n counts from 1 within each region, in the order of res.Circles), or
// "waitlist"; slot is the circle's common slot, empty if it has none.
func WriteCSV(w io.Writer, res Result) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"circle", "id", "name", "municipality", "slot"})
	labels := res.Labels()
	for i, c := range res.Circles {
		for _, p := range c.Members {
			cw.Write([]string{labels[i], p.ID, p.Name, p.Municipality, c.Slot})
		}
	}
	for _, p := range res.Waitlist {
		cw.Write([]string{"waitlist", p.ID, p.Name, p.Municipality, ""})
	}
	cw.Flush()
	return cw.Error()
}

// Labels names each circle "<region>-<n>", numbered from 1 within its region in result order:
// the names WriteCSV writes, for reports that refer to the same circles.
func (r Result) Labels() []string {
	labels := make([]string, len(r.Circles))
	n := map[string]int{}
	for i, c := range r.Circles {
		n[c.Region]++
		labels[i] = fmt.Sprintf("%s-%d", c.Region, n[c.Region])
	}
	return labels
}
