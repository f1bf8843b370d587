package impulses

import (
	"bytes"
	"cmp"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Builtin is the embedded default library: library/de/*.md and library/en/*.md, rooted so that
// its top level holds the language directories, as an override directory does.
var Builtin fs.FS = mustSub(embedded, "library")

//go:embed library
var embedded embed.FS

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // only for an invalid path, which "library" is not
	}
	return sub
}

// Audiences of impulses and subscribers.
const (
	AudienceLeaders  = "leaders"
	AudiencePlanners = "planners"
	AudienceAll      = "all"
)

// MaxWords is the longest an impulse may be: body plus question, counted like wc -w.
const MaxWords = 150

// Impulse is one short text of the library in one language.
type Impulse struct {
	ID       string // shared by all language versions; lowercase ASCII letters, digits, hyphens
	Title    string
	Audience string // leaders, planners or all
	Tags     []string
	Language string // de or en
	Order    int    // position in the series; ties are broken by ID
	Question string // the one reflection question, shown after the body
	Body     string // trusted Markdown, written by the library's authors
	Source   string // where it was loaded from, e.g. "builtin:de/01-x.md"
}

// Words is the length that MaxWords limits: body plus question, counted like wc -w.
func (imp *Impulse) Words() int {
	return len(strings.Fields(imp.Body)) + len(strings.Fields(imp.Question))
}

// Library is the set of impulses the bot knows, per language. It is read-only once loaded and
// safe for concurrent use.
type Library struct {
	byLang   map[string][]*Impulse          // sorted by order, then id
	byID     map[string]map[string]*Impulse // language → id → impulse
	problems []error                        // files that did not load, for admins
}

// FileError is a problem with one library file, pointing at the line to fix.
type FileError struct {
	File string // e.g. "builtin:de/01-x.md" or "/etc/wolbot/impulses/de/20-y.md"
	Line int    // 1-based line in the file
	Msg  string
}

func (e *FileError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// LoadLibrary reads the built-in library (nil for none) and then, when dir is not empty, the
// override directory with the same layout (de/*.md, en/*.md): a file with the id and language
// of an earlier impulse replaces it, a new id is added. Files at the top level (a README) and
// other files than *.md are ignored. A broken file is reported as a [*FileError] with its name
// and line and left out; everything else still loads, so the library is never nil.
func LoadLibrary(builtin fs.FS, dir string) (*Library, []error) {
	byID := map[string]map[string]*Impulse{}
	var errs []error
	if builtin != nil {
		errs = append(errs, loadInto(byID, builtin, "builtin:")...)
	}
	if dir != "" {
		if st, err := os.Stat(dir); err != nil {
			errs = append(errs, fmt.Errorf("impulse library %s: %w", dir, err))
		} else if !st.IsDir() {
			errs = append(errs, fmt.Errorf("impulse library %s: not a directory", dir))
		} else {
			errs = append(errs, loadInto(byID, os.DirFS(dir), strings.TrimSuffix(dir, "/")+"/")...)
		}
	}
	lib := &Library{byLang: map[string][]*Impulse{}, byID: byID, problems: errs}
	for lang, imps := range byID {
		list := make([]*Impulse, 0, len(imps))
		for _, imp := range imps {
			list = append(list, imp)
		}
		slices.SortFunc(list, func(a, b *Impulse) int {
			return cmp.Or(cmp.Compare(a.Order, b.Order), cmp.Compare(a.ID, b.ID))
		})
		lib.byLang[lang] = list
	}
	return lib, errs
}

// libraryLangs are the language directories a library may have.
var libraryLangs = []string{"de", "en"}

// loadInto reads one source. Within a source an id may appear once per language; across
// sources a later one replaces an earlier one.
func loadInto(byID map[string]map[string]*Impulse, fsys fs.FS, prefix string) []error {
	top, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return []error{fmt.Errorf("impulse library %s: %w", strings.TrimSuffix(prefix, "/"), err)}
	}
	var errs []error
	for _, d := range top {
		if !d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			continue
		}
		lang := d.Name()
		if !slices.Contains(libraryLangs, lang) {
			errs = append(errs, &FileError{File: prefix + lang, Line: 1,
				Msg: "unknown language directory; want de or en"})
			continue
		}
		files, err := fs.ReadDir(fsys, lang)
		if err != nil {
			errs = append(errs, fmt.Errorf("impulse library %s%s: %w", prefix, lang, err))
			continue
		}
		seen := map[string]string{} // id → file, within this source and language
		for _, f := range files {
			if f.IsDir() || !strings.HasSuffix(f.Name(), ".md") {
				continue
			}
			name := prefix + path.Join(lang, f.Name())
			data, err := fs.ReadFile(fsys, path.Join(lang, f.Name()))
			if err != nil {
				errs = append(errs, fmt.Errorf("impulse library %s: %w", name, err))
				continue
			}
			imp, ferrs := parseImpulse(name, lang, data)
			if len(ferrs) > 0 {
				errs = append(errs, ferrs...)
				continue
			}
			if other, dup := seen[imp.ID]; dup {
				errs = append(errs, &FileError{File: name, Line: imp.idLine,
					Msg: fmt.Sprintf("id %q is already used by %s", imp.ID, other)})
				continue
			}
			seen[imp.ID] = name
			if byID[lang] == nil {
				byID[lang] = map[string]*Impulse{}
			}
			byID[lang][imp.ID] = &imp.Impulse
		}
	}
	return errs
}

// frontMatter is the YAML block at the top of a file.
type frontMatter struct {
	ID       string   `yaml:"id"`
	Title    string   `yaml:"title"`
	Audience string   `yaml:"audience"`
	Tags     []string `yaml:"tags"`
	Language string   `yaml:"language"`
	Order    *int     `yaml:"order"`
	Question string   `yaml:"question"`
}

// parsed is an impulse plus the line of its id, for duplicate reports.
type parsed struct {
	Impulse
	idLine int
}

var (
	idRe       = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	yamlLineRe = regexp.MustCompile(`line (\d+)`)
)

const maxIDLen = 64

// parseImpulse reads one library file: YAML front matter between two "---" lines, then the
// Markdown body. dirLang is the language directory the file lies in ("" to skip that check).
// Every problem is returned as a [*FileError] naming the file and line.
func parseImpulse(name, dirLang string, data []byte) (*parsed, []error) {
	text := strings.ReplaceAll(string(bytes.TrimPrefix(data, []byte("\uFEFF"))), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return nil, []error{&FileError{File: name, Line: 1, Msg: `no front matter: the file must start with a line "---"`}}
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if strings.TrimRight(lines[i], " \t") == "---" {
			end = i
			break
		}
	}
	if end < 0 {
		return nil, []error{&FileError{File: name, Line: 1, Msg: `front matter is not closed by a line "---"`}}
	}
	yamlText := strings.Join(lines[1:end], "\n")
	body := strings.TrimSpace(strings.Join(lines[end+1:], "\n"))

	// The front matter starts on the file's second line: yaml's line n is the file's n+1.
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(yamlText), &doc); err != nil {
		return nil, []error{yamlError(name, err)}
	}
	var fm frontMatter
	dec := yaml.NewDecoder(strings.NewReader(yamlText))
	// A typo such as "audiance" is an error, not a silently missing field. io.EOF means an
	// empty front matter: the checks below name each missing field.
	dec.KnownFields(true)
	if err := dec.Decode(&fm); err != nil && !errors.Is(err, io.EOF) {
		return nil, []error{yamlError(name, err)}
	}
	lineOf := fieldLines(&doc)
	at := func(field string) int {
		if l, ok := lineOf[field]; ok {
			return l + 1
		}
		return 1 // a missing field: point at the front matter's start
	}
	var errs []error
	fail := func(field, format string, args ...any) {
		errs = append(errs, &FileError{File: name, Line: at(field), Msg: fmt.Sprintf(format, args...)})
	}
	required := func(field, value string) bool {
		if strings.TrimSpace(value) == "" {
			fail(field, "missing field %s", field)
			return false
		}
		return true
	}
	if required("id", fm.ID) && (len(fm.ID) > maxIDLen || !idRe.MatchString(fm.ID)) {
		fail("id", "id %q: want lowercase ASCII letters, digits and single hyphens, at most %d characters", fm.ID, maxIDLen)
	}
	if required("title", fm.Title) && strings.Contains(strings.TrimSpace(fm.Title), "\n") {
		fail("title", "title must be one line")
	}
	if required("audience", fm.Audience) && !slices.Contains([]string{AudienceLeaders, AudiencePlanners, AudienceAll}, fm.Audience) {
		fail("audience", "audience %q: want leaders, planners or all", fm.Audience)
	}
	if required("language", fm.Language) {
		switch {
		case !slices.Contains(libraryLangs, fm.Language):
			fail("language", "language %q: want de or en", fm.Language)
		case dirLang != "" && fm.Language != dirLang:
			fail("language", "language %q does not match the directory %s/", fm.Language, dirLang)
		}
	}
	switch {
	case fm.Order == nil:
		fail("order", "missing field order")
	case *fm.Order < 1:
		fail("order", "order %d: want a positive number", *fm.Order)
	}
	if required("question", fm.Question) && strings.Contains(strings.TrimSpace(fm.Question), "\n") {
		fail("question", "question must be one line")
	}
	if body == "" {
		errs = append(errs, &FileError{File: name, Line: end + 1, Msg: "the text after the front matter is empty"})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	imp := &parsed{Impulse: Impulse{
		ID: fm.ID, Title: strings.TrimSpace(fm.Title), Audience: fm.Audience, Tags: fm.Tags,
		Language: fm.Language, Order: *fm.Order, Question: strings.TrimSpace(fm.Question),
		Body: body, Source: name,
	}, idLine: at("id")}
	if n := imp.Words(); n > MaxWords {
		// The body is where words are cut; point at its first line.
		return nil, []error{&FileError{File: name, Line: end + 2,
			Msg: fmt.Sprintf("%d words (body plus question); at most %d", n, MaxWords)}}
	}
	return imp, nil
}

// fieldLines maps the top-level keys of a YAML mapping to the (yaml) line of their values.
func fieldLines(doc *yaml.Node) map[string]int {
	out := map[string]int{}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return out
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		out[m.Content[i].Value] = m.Content[i+1].Line
	}
	return out
}

// yamlError turns a yaml.v3 error into a FileError whose line is the file's, not the front
// matter's.
func yamlError(name string, err error) error {
	msg := err.Error()
	line := 1
	if m := yamlLineRe.FindStringSubmatchIndex(msg); m != nil {
		n, _ := strconv.Atoi(msg[m[2]:m[3]])
		line = n + 1
		// Drop the "yaml: " and "line n: " prefixes: the FileError says where.
		rest := strings.TrimLeft(msg[m[1]:], ": ")
		if rest != "" {
			msg = rest
		}
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.ReplaceAll(msg, "\n", " ")
	return &FileError{File: name, Line: line, Msg: "front matter: " + strings.Join(strings.Fields(msg), " ")}
}

// Series is what a subscriber with this language and audience receives, in order: impulses in
// their language (German when the library has none in theirs) whose audience is theirs or
// "all"; a subscriber with audience "all" receives every impulse.
func (l *Library) Series(lang, audience string) []*Impulse {
	list := l.byLang[lang]
	if len(list) == 0 {
		list = l.byLang["de"]
	}
	out := make([]*Impulse, 0, len(list))
	for _, imp := range list {
		if audience == AudienceAll || imp.Audience == AudienceAll || imp.Audience == audience {
			out = append(out, imp)
		}
	}
	return out
}

// Get returns impulse id in lang, else in German, else in any language.
func (l *Library) Get(id, lang string) (*Impulse, bool) {
	if imp, ok := l.byID[lang][id]; ok {
		return imp, true
	}
	if imp, ok := l.byID["de"][id]; ok {
		return imp, true
	}
	for _, lg := range libraryLangs {
		if imp, ok := l.byID[lg][id]; ok {
			return imp, true
		}
	}
	return nil, false
}

// Lang returns the impulses of one language in series order.
func (l *Library) Lang(lang string) []*Impulse { return l.byLang[lang] }

// IDs returns every id in the library once, in series order (German order first).
func (l *Library) IDs() []string {
	var ids []string
	seen := map[string]bool{}
	for _, lang := range libraryLangs {
		for _, imp := range l.byLang[lang] {
			if !seen[imp.ID] {
				seen[imp.ID] = true
				ids = append(ids, imp.ID)
			}
		}
	}
	return ids
}

// Problems are the errors LoadLibrary reported, kept for the admins' library overview.
func (l *Library) Problems() []error { return l.problems }
