package impulses

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// impulseFile builds a library file; fields maps front-matter keys to raw YAML values, in the
// order given by keys.
func impulseFile(front string, body string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte("---\n" + front + "---\n" + body)}
}

const goodFront = "id: gut\ntitle: Ein guter Impuls\naudience: leaders\ntags: [a, b]\nlanguage: de\norder: 1\nquestion: Was nun?\n"

func TestParseImpulse(t *testing.T) {
	long := strings.Repeat("Wort ", MaxWords-1) // plus the two question words: 151
	tests := []struct {
		name     string
		data     string
		wantLine int    // 0: no error expected
		wantMsg  string // part of the error
	}{
		{"valid", "---\n" + goodFront + "---\nText.\n", 0, ""},
		{"valid with CRLF and BOM", "\uFEFF---\r\n" + strings.ReplaceAll(goodFront, "\n", "\r\n") + "---\r\nText.\r\n", 0, ""},
		{"130 words are fine", "---\n" + goodFront + "---\n" + strings.Repeat("Wort ", 128) + "\n", 0, ""},
		{"exactly 150 words", "---\n" + goodFront + "---\n" + strings.Repeat("Wort ", MaxWords-2) + "\n", 0, ""},
		{"too long", "---\n" + goodFront + "---\n" + long + "\n", 10, "151 words"},
		{"no front matter", "Nur Text\n", 1, "must start"},
		{"front matter not closed", "---\nid: x\n", 1, "not closed"},
		{"missing question", "---\n" + strings.Replace(goodFront, "question: Was nun?\n", "", 1) + "---\nText\n", 1, "missing field question"},
		{"missing order", "---\n" + strings.Replace(goodFront, "order: 1\n", "", 1) + "---\nText\n", 1, "missing field order"},
		{"bad audience names its line", "---\n" + strings.Replace(goodFront, "audience: leaders", "audience: chefs", 1) + "---\nText\n", 4, `audience "chefs"`},
		{"bad id", "---\n" + strings.Replace(goodFront, "id: gut", "id: Gut_Impuls", 1) + "---\nText\n", 2, `id "Gut_Impuls"`},
		{"language of another directory", "---\n" + strings.Replace(goodFront, "language: de", "language: en", 1) + "---\nText\n", 6, "does not match"},
		{"order not a number", "---\n" + strings.Replace(goodFront, "order: 1", "order: eins", 1) + "---\nText\n", 7, "cannot unmarshal"},
		{"zero order", "---\n" + strings.Replace(goodFront, "order: 1", "order: 0", 1) + "---\nText\n", 7, "positive"},
		{"typo in a field name", "---\n" + goodFront + "audiance: all\n---\nText\n", 9, "audiance"},
		{"broken YAML names the file line", "---\nid: x\ntitle: Titel: mit Doppelpunkt\n---\nText\n", 3, "front matter"},
		{"empty body", "---\n" + goodFront + "---\n\n", 9, "empty"},
		{"empty front matter", "---\n---\nText\n", 1, "missing field id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imp, errs := parseImpulse("de/01-x.md", "de", []byte(tt.data))
			if tt.wantLine == 0 {
				if len(errs) > 0 {
					t.Fatalf("unexpected errors: %v", errs)
				}
				if imp.ID != "gut" || imp.Question != "Was nun?" || !slices.Equal(imp.Tags, []string{"a", "b"}) {
					t.Errorf("parsed %+v", imp.Impulse)
				}
				return
			}
			if len(errs) == 0 {
				t.Fatalf("no error, want one at line %d", tt.wantLine)
			}
			var fe *FileError
			if !errors.As(errs[0], &fe) {
				t.Fatalf("error %v is not a FileError", errs[0])
			}
			if fe.File != "de/01-x.md" || fe.Line != tt.wantLine || !strings.Contains(fe.Msg, tt.wantMsg) {
				t.Errorf("got %v, want de/01-x.md:%d: …%s…", fe, tt.wantLine, tt.wantMsg)
			}
		})
	}
}

func TestLoadLibraryReportsBrokenFilesAndLoadsTheRest(t *testing.T) {
	fsys := fstest.MapFS{
		"README.md":          {Data: []byte("# not an impulse")},
		"de/01-gut.md":       impulseFile(goodFront, "Text."),
		"de/02-kaputt.md":    impulseFile(strings.Replace(goodFront, "audience: leaders", "audience: boss", 1), "Text."),
		"de/03-doppelt.md":   impulseFile(goodFront, "Noch einmal die gleiche id."),
		"de/notes.txt":       {Data: []byte("ignored")},
		"en/01-gut.md":       impulseFile(strings.Replace(goodFront, "language: de", "language: en", 1), "Text."),
		"fr/01-bien.md":      impulseFile(goodFront, "Texte."),
		".hidden/01-x.md":    impulseFile(goodFront, "ignored"),
		"de/04-zweiter.md":   impulseFile(strings.NewReplacer("id: gut", "id: zweiter", "order: 1", "order: 2").Replace(goodFront), "Text."),
		"de/05-planung.md":   impulseFile(strings.NewReplacer("id: gut", "id: planung", "order: 1", "order: 3", "audience: leaders", "audience: planners").Replace(goodFront), "Text."),
		"de/06-fuer-alle.md": impulseFile(strings.NewReplacer("id: gut", "id: fuer-alle", "order: 1", "order: 2", "audience: leaders", "audience: all").Replace(goodFront), "Text."),
	}
	lib, errs := LoadLibrary(fsys, "")
	var files []string
	for _, err := range errs {
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Fatalf("error %v is not a FileError", err)
		}
		files = append(files, fe.File)
	}
	want := []string{"builtin:de/02-kaputt.md", "builtin:de/03-doppelt.md", "builtin:fr"}
	if !slices.Equal(files, want) {
		t.Errorf("errors in %v, want %v (%v)", files, want, errs)
	}
	if len(lib.Problems()) != 3 {
		t.Errorf("library keeps %d problems, want 3", len(lib.Problems()))
	}
	ids := func(list []*Impulse) (out []string) {
		for _, imp := range list {
			out = append(out, imp.ID)
		}
		return out
	}
	// Sorted by order, then id; "all" goes to everyone; leaders do not get planners' texts.
	if got := ids(lib.Series("de", AudienceLeaders)); !slices.Equal(got, []string{"gut", "fuer-alle", "zweiter"}) {
		t.Errorf("leaders' series %v", got)
	}
	if got := ids(lib.Series("de", AudiencePlanners)); !slices.Equal(got, []string{"fuer-alle", "planung"}) {
		t.Errorf("planners' series %v", got)
	}
	if got := ids(lib.Series("de", AudienceAll)); len(got) != 4 {
		t.Errorf("audience all gets %v, want every impulse", got)
	}
	// English has only "gut": an English leader gets that, not the German series.
	if got := ids(lib.Series("en", AudienceLeaders)); !slices.Equal(got, []string{"gut"}) {
		t.Errorf("English series %v", got)
	}
	// A language without any impulse falls back to German.
	if got := ids(lib.Series("fr", AudienceLeaders)); len(got) != 3 {
		t.Errorf("fallback series %v", got)
	}
	if imp, ok := lib.Get("zweiter", "en"); !ok || imp.Language != "de" {
		t.Errorf("Get falls back to German: %v %v", imp, ok)
	}
}

func TestOverrideDirectoryReplacesAndAdds(t *testing.T) {
	base := fstest.MapFS{
		"de/01-gut.md":     impulseFile(goodFront, "Eingebauter Text."),
		"de/02-zweiter.md": impulseFile(strings.NewReplacer("id: gut", "id: zweiter", "order: 1", "order: 2").Replace(goodFront), "Text."),
	}
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("de/01-gut.md", "---\n"+strings.Replace(goodFront, "Ein guter Impuls", "Ersetzt", 1)+"---\nEigener Text.\n")
	write("de/15-neu.md", "---\n"+strings.NewReplacer("id: gut", "id: neu", "order: 1", "order: 15").Replace(goodFront)+"---\nNeu.\n")
	write("de/16-kaputt.md", "---\nid: kaputt\n  title: [\n---\nText\n")
	lib, errs := LoadLibrary(base, dir)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), filepath.Join(dir, "de/16-kaputt.md")+":") {
		t.Fatalf("errors %v, want one naming the override file", errs)
	}
	series := lib.Series("de", AudienceLeaders)
	if len(series) != 3 || series[0].Title != "Ersetzt" || series[0].Body != "Eigener Text." || series[2].ID != "neu" {
		for _, s := range series {
			t.Logf("%+v", *s)
		}
		t.Fatal("override did not replace gut and add neu")
	}
	if _, errs := LoadLibrary(base, filepath.Join(dir, "missing")); len(errs) != 1 {
		t.Errorf("a missing override directory is not reported: %v", errs)
	}
}

func TestTestdataLibraryLoads(t *testing.T) {
	lib := testLibrary(t)
	if n := len(lib.Series("de", AudienceLeaders)); n != 6 {
		t.Errorf("leaders' series has %d impulses, want 6", n)
	}
}

// TestBuiltinLibrary checks the embedded texts: they load without errors, there are at least
// twelve German ones, each within the word limit, and each has an English twin with the same
// id, audience and order.
func TestBuiltinLibrary(t *testing.T) {
	lib, errs := LoadLibrary(Builtin, "")
	for _, err := range errs {
		t.Errorf("builtin library: %v", err)
	}
	de, en := lib.Lang("de"), lib.Lang("en")
	if len(de) < 12 {
		t.Errorf("%d German impulses, want at least 12", len(de))
	}
	twins := map[string]*Impulse{}
	for _, imp := range en {
		twins[imp.ID] = imp
	}
	for _, imp := range append(slices.Clone(de), en...) {
		if n := imp.Words(); n > MaxWords {
			t.Errorf("%s: %d words, at most %d", imp.Source, n, MaxWords)
		}
	}
	for _, imp := range de {
		tw, ok := twins[imp.ID]
		switch {
		case !ok:
			t.Errorf("%s: no English twin with id %q", imp.Source, imp.ID)
		case tw.Audience != imp.Audience || tw.Order != imp.Order:
			t.Errorf("%s: English twin %s has audience %s order %d, want %s %d",
				imp.Source, tw.Source, tw.Audience, tw.Order, imp.Audience, imp.Order)
		}
	}
	if len(en) != len(de) {
		t.Errorf("%d English impulses for %d German ones", len(en), len(de))
	}
	for _, aud := range []string{AudienceLeaders, AudiencePlanners} {
		if len(lib.Series("de", aud)) == 0 {
			t.Errorf("no German series for %s", aud)
		}
	}
}

// testLibrary is the small fixture library under testdata/library.
func testLibrary(t testing.TB) *Library {
	t.Helper()
	lib, errs := LoadLibrary(os.DirFS("testdata/library"), "")
	if len(errs) > 0 {
		t.Fatalf("testdata library: %v", errs)
	}
	return lib
}
