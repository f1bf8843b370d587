package match

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestReadCSV(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []Person
	}{
		{"required columns",
			"id,name,municipality,region,slots\np1,Anna,Kreis Düren,Rheinland,di-am;mi-pm\n",
			[]Person{{ID: "p1", Name: "Anna", Municipality: "Kreis Düren", Region: "Rheinland", Slots: []string{"di-am", "mi-pm"}}}},
		{"role and former, columns in another order, unknown columns ignored",
			"Region,ID,email,Name,Municipality,Slots,Role,Former\nRheinland,p1,a@example.org,Anna,Kreis Düren,di-am,planung,p2;p3\n",
			[]Person{{ID: "p1", Name: "Anna", Municipality: "Kreis Düren", Region: "Rheinland", Role: "planung", Slots: []string{"di-am"}, Former: []string{"p2", "p3"}}}},
		{"spreadsheet export: byte-order mark, semicolons between columns, quoted lists",
			"\ufeffid;name;municipality;region;slots\np1;Anna;Kreis Düren;Rheinland;\"DI-AM; mi-pm\"\n",
			[]Person{{ID: "p1", Name: "Anna", Municipality: "Kreis Düren", Region: "Rheinland", Slots: []string{"di-am", "mi-pm"}}}},
		{"quoted comma, spaces, repeated slot, no slots, CRLF",
			"id,name,municipality,region,slots\r\np1, \"Müller, Jana\",Stadt Köln,Rheinland, mo-am ; mo-am \r\np2,Ben,Stadt Bonn,Rheinland,\r\n",
			[]Person{{ID: "p1", Name: "Müller, Jana", Municipality: "Stadt Köln", Region: "Rheinland", Slots: []string{"mo-am"}},
				{ID: "p2", Name: "Ben", Municipality: "Stadt Bonn", Region: "Rheinland"}}},
		{"header only", "id,name,municipality,region,slots\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadCSV(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestReadCSVErrors(t *testing.T) {
	const header = "id,name,municipality,region,slots\n"
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty input", "", "empty input"},
		{"missing column", "id,name,municipality,slots\n", `line 1: missing column "region"`},
		{"column twice", "id,name,municipality,region,slots,ID\n", `line 1, column 6: column "id" appears twice`},
		{"empty id", header + "p1,A,M,R,mo-am\n,B,M,R,mo-am\n", "line 3, column 1 (id): empty"},
		{"empty municipality", header + "p1,A,,R,mo-am\n", "line 2, column 3 (municipality): empty"},
		{"empty region", header + "p1,A,M, ,mo-am\n", "line 2, column 4 (region): empty"},
		{"unknown slot", header + "p1,A,M,R,mo-am\np2,B,M,R,mo-am;sa-am\n", `line 3, column 5 (slots): unknown slot "sa-am"`},
		{"slot without part of day", header + "p1,A,M,R,montag\n", `line 2, column 5 (slots): unknown slot "montag"`},
		{"duplicate id", header + "p1,A,M,R,mo-am\np2,B,M,R,mo-am\np1,C,M,R,mo-am\n", `line 4, column 1 (id): duplicate id "p1" (first on line 2)`},
		{"wrong number of fields", header + "p1,A,M,R,mo-am\np2,B,M,R\n", "record on line 3: wrong number of fields"},
		{"bad quote", header + "p1,\"A,M,R,mo-am\n", "line 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// writePeopleCSV writes people in ReadCSV's format, with the optional columns.
func writePeopleCSV(t *testing.T, people []Person) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"id", "name", "municipality", "region", "slots", "role", "former"})
	for _, p := range people {
		w.Write([]string{p.ID, p.Name, p.Municipality, p.Region, strings.Join(p.Slots, ";"), p.Role, strings.Join(p.Former, ";")})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestCSVRoundTrip: people → CSV → ReadCSV gives the same people; Match → WriteCSV gives one
// row per person, with circles labelled per region and each circle's common slot.
func TestCSVRoundTrip(t *testing.T) {
	people := generate(9, genConfig{People: 700, Regions: 3, Munis: 40, MinSlots: 1, MaxSlots: 4, MuniSkew: 1, Roles: true, FormerShare: 0.3})
	read, err := ReadCSV(bytes.NewReader(writePeopleCSV(t, people)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(read, people) {
		t.Fatal("people changed on the way through CSV")
	}
	res, err := Match(read, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteCSV(&out, res); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != "circle,id,name,municipality,slot" {
		t.Errorf("header %q", got)
	}
	byID := map[string]Person{}
	for _, p := range people {
		byID[p.ID] = p
	}
	label := regexp.MustCompile(`^Region \d\d-[1-9]\d*$`)
	slotOf := map[string]string{}
	for _, row := range rows[1:] {
		circle, id, name, muni, slot := row[0], row[1], row[2], row[3], row[4]
		p, ok := byID[id]
		if !ok {
			t.Fatalf("row for unknown or repeated id %q", id)
		}
		delete(byID, id)
		if name != p.Name || muni != p.Municipality {
			t.Errorf("row %v does not match %+v", row, p)
		}
		switch {
		case circle == "waitlist":
			if slot != "" {
				t.Errorf("waitlisted %s with slot %q", id, slot)
			}
		case !label.MatchString(circle) || !strings.HasPrefix(circle, p.Region+"-"):
			t.Errorf("circle label %q for a person of %s", circle, p.Region)
		default:
			if s, seen := slotOf[circle]; seen && s != slot {
				t.Errorf("circle %s has slots %q and %q", circle, s, slot)
			}
			slotOf[circle] = slot
		}
	}
	if len(byID) > 0 {
		t.Errorf("%d people missing from the output", len(byID))
	}
	if len(slotOf) != len(res.Circles) {
		t.Errorf("%d circle labels for %d circles", len(slotOf), len(res.Circles))
	}
}

// TestGolden matches testdata/planners.csv and compares what an admin sees — the output CSV
// and the preview (circles, issues, waitlist, quality report) — with golden files. Run with
// -update to rewrite them after an intended change, and review the diff.
func TestGolden(t *testing.T) {
	in, err := os.Open(filepath.Join("testdata", "planners.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	people, err := ReadCSV(in)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Match(people, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, people, Options{}, res)
	var out bytes.Buffer
	if err := WriteCSV(&out, res); err != nil {
		t.Fatal(err)
	}
	golden(t, "circles.golden.csv", out.Bytes())
	golden(t, "preview.golden.txt", []byte(renderPreview(res)))
}

// renderPreview is a plain rendering of a Result, as the bot's preview would show it.
func renderPreview(res Result) string {
	var b strings.Builder
	n := map[string]int{}
	for _, c := range res.Circles {
		n[c.Region]++
		slot := c.Slot
		if slot == "" {
			slot = "(no common slot)"
		}
		fmt.Fprintf(&b, "%s-%d at %s\n", c.Region, n[c.Region], slot)
		for _, p := range c.Members {
			fmt.Fprintf(&b, "  %-16s %-20s %-10s %s\n", p.Name, p.Municipality, p.Role, strings.Join(p.Slots, " "))
		}
		for _, is := range c.Issues {
			fmt.Fprintf(&b, "  ! %s: %s\n", is.Kind, is.Detail)
		}
	}
	for _, p := range res.Waitlist {
		fmt.Fprintf(&b, "waitlist: %s (%s): %s\n", p.Name, p.Region, res.WaitReason[p.ID])
	}
	b.WriteString("\n" + res.Quality.Report())
	return b.String()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update if intended):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
