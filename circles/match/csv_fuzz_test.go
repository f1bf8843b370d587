package match

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// FuzzReadCSV (issue 7, "Reliability drills") feeds arbitrary bytes to ReadCSV, the admins'
// upload of enrolled people. It never panics; an error comes without people; what it accepts
// has ids, municipalities and regions, unique ids and valid slots, survives a round trip through
// the same format, and can be matched and written with WriteCSV, one row per person.
func FuzzReadCSV(f *testing.F) {
	const header = "id,name,municipality,region,slots\n"
	for _, s := range []string{
		header + "p1,Anna,Kreis Düren,Rheinland,di-am;mi-pm\n",
		"Region,ID,email,Name,Municipality,Slots,Role,Former\nRheinland,p1,a@example.org,Anna,Kreis Düren,di-am,planung,p2;p3\n",
		"\ufeffid;name;municipality;region;slots\np1;Anna;Kreis Düren;Rheinland;\"DI-AM; mi-pm\"\n",
		header + "p1, \"Müller, Jana\",Stadt Köln,Rheinland, mo-am ; mo-am \r\np2,Ben,Stadt Bonn,Rheinland,\r\n",
		header, "", "id,name,municipality,slots\n", "id,name,municipality,region,slots,ID\n",
		header + "p1,A,M,R,mo-am\n,B,M,R,mo-am\n", header + "p1,A,M,R,mo-am\np2,B,M,R,mo-am;sa-am\n",
		header + "p1,A,M,R,mo-am\np2,B,M,R\n", header + "p1,\"A,M,R,mo-am\n",
		header + "p1,A,M1,R,mo-am\np2,B,M2,R,mo-am\np3,C,M3,R,mo-am\np4,D,M4,R,mo-am\np5,E,M1,R,di-pm\n",
		"id,name,municipality,region,slots,role,former\np1,A,M1,R,mo-am,leitung,p1;p2\np2,A,M2,R,mo-am,,p1\np3,\"x\ny\",M3,R2,,,\n",
		"id;name;municipality;region;slots\n\"p1\";\"a\"\"b\";M;R;fr-mid\n", "\xef\xbb\xbf\n\n" + header,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		people, err := ReadCSV(bytes.NewReader(data))
		if err != nil {
			if people != nil {
				t.Fatalf("ReadCSV failed (%v) and returned %d people", err, len(people))
			}
			return
		}
		ids := map[string]bool{}
		for _, p := range people {
			if p.ID == "" || p.Municipality == "" || p.Region == "" || ids[p.ID] {
				t.Fatalf("person %+v: empty field or repeated id", p)
			}
			ids[p.ID] = true
			for _, field := range []string{p.ID, p.Name, p.Municipality, p.Region, p.Role} {
				if field != strings.TrimSpace(field) {
					t.Fatalf("person %+v: field %q not trimmed", p, field)
				}
			}
			for i, s := range p.Slots {
				if slotRank(s) < 0 || slices.Index(p.Slots, s) != i {
					t.Fatalf("person %+v: slot %q invalid or repeated", p, s)
				}
			}
		}

		// The same people written in the documented format read back unchanged.
		again, err := ReadCSV(bytes.NewReader(writePeopleCSV(t, people)))
		if err != nil {
			t.Fatalf("people %+v written back do not read: %v", people, err)
		}
		if !reflect.DeepEqual(again, people) {
			t.Fatalf("round trip changed the people:\n got %+v\nwant %+v", again, people)
		}

		if len(people) > 60 {
			return // matching is the matcher's own tests' business; keep each run quick
		}
		res, err := Match(people, Options{Seed: 1})
		if err != nil {
			t.Fatalf("Match of accepted people: %v", err)
		}
		var out bytes.Buffer
		if err := WriteCSV(&out, res); err != nil {
			t.Fatalf("WriteCSV: %v", err)
		}
		rows, err := csv.NewReader(&out).ReadAll()
		if err != nil {
			t.Fatalf("WriteCSV wrote unreadable CSV: %v", err)
		}
		if len(rows) != len(people)+1 || strings.Join(rows[0], ",") != "circle,id,name,municipality,slot" {
			t.Fatalf("WriteCSV wrote %d rows for %d people", len(rows), len(people))
		}
		for _, row := range rows[1:] {
			if !ids[row[1]] {
				t.Fatalf("row %q for an unknown or repeated id", row)
			}
			delete(ids, row[1])
		}
	})
}
