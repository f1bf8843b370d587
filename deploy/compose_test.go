package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// root is the repository root, seen from this package's directory (where go test runs).
const root = ".."

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, name))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return string(b)
}

// ---------------------------------------------------------------------------------------
// docker-compose.yml, as far as these tests look at it. The Compose spec allows several
// spellings for most fields (a list or a map, a string or a list); the types below accept
// each of them, so that the tests check meaning, not layout.

type composeFile struct {
	Version  *string             `yaml:"version"`
	Name     string              `yaml:"name"`
	Services map[string]*service `yaml:"services"`
	Networks map[string]*network `yaml:"networks"`
	Volumes  map[string]any      `yaml:"volumes"`
}

type network struct {
	Internal bool `yaml:"internal"`
}

type service struct {
	Image           string       `yaml:"image"`
	Build           buildSpec    `yaml:"build"`
	Command         stringList   `yaml:"command"`
	Environment     envMap       `yaml:"environment"`
	EnvFile         any          `yaml:"env_file"`
	Ports           []portSpec   `yaml:"ports"`
	Volumes         []mountSpec  `yaml:"volumes"`
	Networks        nameSet      `yaml:"networks"`
	DependsOn       dependsOn    `yaml:"depends_on"`
	Healthcheck     *healthcheck `yaml:"healthcheck"`
	Restart         string       `yaml:"restart"`
	ReadOnly        bool         `yaml:"read_only"`
	CapDrop         []string     `yaml:"cap_drop"`
	SecurityOpt     []string     `yaml:"security_opt"`
	Privileged      bool         `yaml:"privileged"`
	User            string       `yaml:"user"`
	NetworkMode     string       `yaml:"network_mode"`
	StopGracePeriod string       `yaml:"stop_grace_period"`
}

type healthcheck struct {
	Test        stringList `yaml:"test"`
	Disable     bool       `yaml:"disable"`
	Interval    string     `yaml:"interval"`
	Timeout     string     `yaml:"timeout"`
	Retries     int        `yaml:"retries"`
	StartPeriod string     `yaml:"start_period"`
}

// stringList is a list of strings, or one string (then a list of one).
type stringList []string

func (l *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = stringList{n.Value}
		return nil
	}
	var s []string
	if err := n.Decode(&s); err != nil {
		return err
	}
	*l = s
	return nil
}

// envMap is "environment:" as a map or as a list of NAME=value.
type envMap map[string]string

func (e *envMap) UnmarshalYAML(n *yaml.Node) error {
	out := envMap{}
	switch n.Kind {
	case yaml.MappingNode:
		var m map[string]*string
		if err := n.Decode(&m); err != nil {
			return err
		}
		for k, v := range m {
			if v != nil {
				out[k] = *v
			} else {
				out[k] = ""
			}
		}
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		for _, kv := range l {
			k, v, _ := strings.Cut(kv, "=")
			out[k] = v
		}
	default:
		return fmt.Errorf("line %d: environment must be a map or a list", n.Line)
	}
	*e = out
	return nil
}

// nameSet is "networks:" of a service, as a list of names or a map name → settings.
type nameSet []string

func (s *nameSet) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		*s = l
	case yaml.MappingNode:
		var m map[string]any
		if err := n.Decode(&m); err != nil {
			return err
		}
		for k := range m {
			*s = append(*s, k)
		}
		sort.Strings(*s)
	default:
		return fmt.Errorf("line %d: networks must be a list or a map", n.Line)
	}
	return nil
}

// dependsOn maps each dependency to its condition (service_started when a list is used).
type dependsOn map[string]string

func (d *dependsOn) UnmarshalYAML(n *yaml.Node) error {
	out := dependsOn{}
	switch n.Kind {
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		for _, name := range l {
			out[name] = "service_started"
		}
	case yaml.MappingNode:
		var m map[string]struct {
			Condition string `yaml:"condition"`
		}
		if err := n.Decode(&m); err != nil {
			return err
		}
		for name, v := range m {
			if v.Condition == "" {
				v.Condition = "service_started"
			}
			out[name] = v.Condition
		}
	default:
		return fmt.Errorf("line %d: depends_on must be a list or a map", n.Line)
	}
	*d = out
	return nil
}

// buildSpec is "build:" as a context path or a map with context and dockerfile.
type buildSpec struct {
	Set                 bool
	Context, Dockerfile string
}

func (b *buildSpec) UnmarshalYAML(n *yaml.Node) error {
	b.Set = true
	if n.Kind == yaml.ScalarNode {
		b.Context = n.Value
		return nil
	}
	var m struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	}
	if err := n.Decode(&m); err != nil {
		return err
	}
	b.Context, b.Dockerfile = m.Context, m.Dockerfile
	return nil
}

// portSpec is one entry of "ports:", short ("127.0.0.1:8065:8065/tcp") or long syntax.
type portSpec struct {
	HostIP, Published, Target string
}

func (p *portSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		s, _, _ := strings.Cut(n.Value, "/") // drop /tcp, /udp
		parts := strings.Split(s, ":")
		p.Target = parts[len(parts)-1]
		if len(parts) >= 2 {
			p.Published = parts[len(parts)-2]
		}
		if len(parts) >= 3 {
			p.HostIP = strings.Join(parts[:len(parts)-2], ":")
		}
		return nil
	}
	var m struct {
		Target    any    `yaml:"target"`
		Published any    `yaml:"published"`
		HostIP    string `yaml:"host_ip"`
	}
	if err := n.Decode(&m); err != nil {
		return err
	}
	p.Target, p.HostIP = fmt.Sprint(m.Target), m.HostIP
	if m.Published != nil {
		p.Published = fmt.Sprint(m.Published)
	}
	return nil
}

// mountSpec is one entry of a service's "volumes:", short ("name:/path:ro") or long syntax.
type mountSpec struct {
	Type, Source, Target string
}

func (m *mountSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		parts := strings.Split(n.Value, ":")
		switch len(parts) {
		case 1: // an anonymous volume
			m.Type, m.Target = "volume", parts[0]
		default:
			m.Source, m.Target = parts[0], parts[1]
			m.Type = "volume"
			if strings.HasPrefix(m.Source, ".") || strings.HasPrefix(m.Source, "/") || strings.HasPrefix(m.Source, "~") {
				m.Type = "bind"
			}
		}
		return nil
	}
	var l struct {
		Type   string `yaml:"type"`
		Source string `yaml:"source"`
		Target string `yaml:"target"`
	}
	if err := n.Decode(&l); err != nil {
		return err
	}
	m.Type, m.Source, m.Target = l.Type, l.Source, l.Target
	return nil
}

func loadCompose(t *testing.T) *composeFile {
	t.Helper()
	var c composeFile
	if err := yaml.Unmarshal([]byte(readRepoFile(t, "docker-compose.yml")), &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	if len(c.Services) == 0 {
		t.Fatal("docker-compose.yml: no services")
	}
	return &c
}

func (c *composeFile) service(t *testing.T, name string) *service {
	t.Helper()
	s := c.Services[name]
	if s == nil {
		t.Fatalf("docker-compose.yml: no service %q", name)
	}
	return s
}

// ---------------------------------------------------------------------------------------
// Variables.

// interpolation matches ${NAME}, ${NAME:-default}, ${NAME?error} … and $NAME; "$$" (a
// literal dollar for the container) is removed before matching.
var interpolation = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(?::?[-?+])[^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// composeVariables returns every variable that Compose interpolates in the file.
func composeVariables(t *testing.T) map[string]bool {
	t.Helper()
	var doc any
	if err := yaml.Unmarshal([]byte(readRepoFile(t, "docker-compose.yml")), &doc); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	vars := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case string:
			for _, m := range interpolation.FindAllStringSubmatch(strings.ReplaceAll(v, "$$", ""), -1) {
				vars[m[1]+m[2]] = true
			}
		}
	}
	walk(doc)
	return vars
}

// referencedVariables returns the variables interpolated in one string.
func referencedVariables(s string) []string {
	var out []string
	for _, m := range interpolation.FindAllStringSubmatch(strings.ReplaceAll(s, "$$", ""), -1) {
		out = append(out, m[1]+m[2])
	}
	return out
}

type envEntry struct {
	Value      string
	Line       int
	Documented bool // a comment stands directly above it
}

var envLine = regexp.MustCompile(`^([A-Z][A-Z0-9_]*)=(.*)$`)

// loadEnvExample parses .env.example: comments, empty lines and NAME=value lines, nothing
// else.
func loadEnvExample(t *testing.T) map[string]envEntry {
	t.Helper()
	out := map[string]envEntry{}
	comment := false
	for i, line := range strings.Split(readRepoFile(t, ".env.example"), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			comment = false
			continue
		case strings.HasPrefix(line, "#"):
			comment = true
			continue
		}
		m := envLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf(".env.example:%d: want NAME=value, a comment or an empty line, got %q", i+1, line)
			continue
		}
		if prev, dup := out[m[1]]; dup {
			t.Errorf(".env.example:%d: %s set again (first on line %d)", i+1, m[1], prev.Line)
		}
		v := m[2]
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		out[m[1]] = envEntry{Value: v, Line: i + 1, Documented: comment}
		comment = false
	}
	if len(out) == 0 {
		t.Fatal(".env.example defines no variables")
	}
	return out
}

// settingEntry matches an entry of the settings table in cmd/wolbot/main.go:
//
//	{"REDIS_URL", "redis-url", "", "Redis server …"},
var settingEntry = regexp.MustCompile(`(?m)^\s*\{"([A-Z][A-Z0-9_]*)",\s*"[a-z0-9-]+",`)

// wolbotSettings returns the environment variables that wolbot reads, from its settings
// table, so that the deployment files cannot name one that does not exist.
func wolbotSettings(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, m := range settingEntry.FindAllStringSubmatch(readRepoFile(t, "cmd/wolbot/main.go"), -1) {
		out[m[1]] = true
	}
	// Guard the regexp itself: if the table's layout changes, fail here rather than pass
	// every check below vacuously.
	for _, want := range []string{"REDIS_URL", "WOLBOT_LISTEN", "MATTERMOST_URL", "MATTERMOST_TOKEN", "WOLBOT_PUBLIC_URL"} {
		if !out[want] {
			t.Fatalf("settings table in cmd/wolbot/main.go: %s not found (found %d entries); has its layout changed?", want, len(out))
		}
	}
	return out
}

// ---------------------------------------------------------------------------------------
// Images.

var (
	digestRef  = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)
	releaseTag = regexp.MustCompile(`^v?\d+\.\d+`) // at least major.minor
)

// splitImage splits "registry:5000/repo/name:tag@sha256:…" into name, tag and digest.
func splitImage(ref string) (name, tag, digest string) {
	name, digest, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name, tag = name[:i], name[i+1:]
	}
	return name, tag, digest
}

// pinnedRelease reports whether an image reference names a release: a digest, or a tag that
// starts with at least major.minor ("7.2.16-alpine", "16.15-alpine", "10.11.24").
func pinnedRelease(ref string) error {
	if strings.Contains(ref, "$") {
		return fmt.Errorf("%q: a variable in the image cannot be checked; write the version", ref)
	}
	if digestRef.MatchString(ref) {
		return nil
	}
	_, tag, _ := splitImage(ref)
	switch {
	case tag == "":
		return fmt.Errorf("%q: no tag, which means latest", ref)
	case tag == "latest" || strings.HasPrefix(tag, "latest-") || strings.HasSuffix(tag, "-latest"):
		return fmt.Errorf("%q: latest moves", ref)
	case !releaseTag.MatchString(tag):
		return fmt.Errorf("%q: tag %q is not a release (want at least major.minor, or a digest)", ref, tag)
	}
	return nil
}

// explicitTag is the weaker rule for base images that publish no version tags
// (gcr.io/distroless/…:nonroot): a tag or digest is given and it is not latest.
func explicitTag(ref string) error {
	if strings.Contains(ref, "$") {
		return fmt.Errorf("%q: a variable in the image cannot be checked; write the tag", ref)
	}
	if digestRef.MatchString(ref) {
		return nil
	}
	_, tag, _ := splitImage(ref)
	if tag == "" || tag == "latest" {
		return fmt.Errorf("%q: no tag or latest", ref)
	}
	return nil
}

func TestImageRules(t *testing.T) {
	digest := "@sha256:" + strings.Repeat("ab", 32)
	for _, tc := range []struct {
		ref              string
		release, tagOnly bool
	}{
		{"redis:7.2.16-alpine", true, true},
		{"postgres:16.15-alpine", true, true},
		{"mattermost/mattermost-team-edition:10.11.24", true, true},
		{"golang:1.26.8-bookworm", true, true},
		{"registry.example.org:5000/wolbot:1.4", true, true},
		{"redis" + digest, true, true},
		{"redis:7-alpine" + digest, true, true},
		{"gcr.io/distroless/static-debian12:nonroot", false, true},
		{"redis", false, false},
		{"redis:latest", false, false},
		{"redis:7", false, true},
		{"redis:7-alpine", false, true},
		{"mattermost/mattermost-team-edition:release-10", false, true},
		{"registry.example.org:5000/wolbot", false, false},
		{"redis:${REDIS_TAG}", false, false},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			if err := pinnedRelease(tc.ref); (err == nil) != tc.release {
				t.Errorf("pinnedRelease = %v, want ok=%v", err, tc.release)
			}
			if err := explicitTag(tc.ref); (err == nil) != tc.tagOnly {
				t.Errorf("explicitTag = %v, want ok=%v", err, tc.tagOnly)
			}
		})
	}
}

// ---------------------------------------------------------------------------------------
// The compose file.

func TestComposeServices(t *testing.T) {
	c := loadCompose(t)
	if c.Version != nil {
		t.Errorf("docker-compose.yml has `version: %s`; the Compose spec has none (Compose v2 warns about it)", *c.Version)
	}
	for _, name := range []string{"redis", "postgres", "mattermost", "wolbot"} {
		if c.Services[name] == nil {
			t.Errorf("service %q missing", name)
		}
	}
	for name, s := range c.Services {
		t.Run(name, func(t *testing.T) {
			if s.Restart != "unless-stopped" && s.Restart != "always" {
				t.Errorf("restart = %q, want unless-stopped (or always): the stack comes back after a reboot", s.Restart)
			}
			if !slices.Contains(s.SecurityOpt, "no-new-privileges:true") && !slices.Contains(s.SecurityOpt, "no-new-privileges") {
				t.Errorf("security_opt = %q, want no-new-privileges:true", s.SecurityOpt)
			}
			if s.Privileged {
				t.Error("privileged: true")
			}
			if s.NetworkMode == "host" {
				t.Error("network_mode: host bypasses the separated networks")
			}
		})
	}
}

func TestComposeImagesArePinned(t *testing.T) {
	c := loadCompose(t)
	for name, s := range c.Services {
		t.Run(name, func(t *testing.T) {
			switch {
			case s.Image == "" && !s.Build.Set:
				t.Error("neither image nor build")
			case s.Image == "":
				// built from this repository: see TestDockerfile
			default:
				if err := pinnedRelease(s.Image); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestComposeRedisPersistence(t *testing.T) {
	redis := loadCompose(t).service(t, "redis")
	cmd := strings.Join(redis.Command, " ")
	for _, want := range []string{"redis-server", "--appendonly yes", "--appendfsync everysec"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("redis command %q lacks %q", cmd, want)
		}
	}
}

func TestComposeVolumes(t *testing.T) {
	c := loadCompose(t)
	for _, tc := range []struct {
		service string
		targets []string
	}{
		{"redis", []string{"/data"}},
		{"postgres", []string{"/var/lib/postgresql/data"}},
		{"mattermost", []string{"/mattermost/config", "/mattermost/data", "/mattermost/logs", "/mattermost/plugins", "/mattermost/client/plugins"}},
	} {
		t.Run(tc.service, func(t *testing.T) {
			s := c.service(t, tc.service)
			for _, target := range tc.targets {
				i := slices.IndexFunc(s.Volumes, func(m mountSpec) bool { return m.Target == target })
				if i < 0 {
					t.Errorf("nothing mounted at %s: its data would be lost with the container", target)
					continue
				}
				m := s.Volumes[i]
				if m.Type != "volume" || m.Source == "" {
					t.Errorf("%s: want a named volume, got type %q source %q", target, m.Type, m.Source)
					continue
				}
				if _, declared := c.Volumes[m.Source]; !declared {
					t.Errorf("%s: volume %q is not declared under the top-level volumes:", target, m.Source)
				}
			}
		})
	}
	t.Run("no unused volumes", func(t *testing.T) {
		used := map[string]bool{}
		for _, s := range c.Services {
			for _, m := range s.Volumes {
				used[m.Source] = true
			}
		}
		for name := range c.Volumes {
			if !used[name] {
				t.Errorf("volume %q is declared but no service mounts it", name)
			}
		}
	})
}

func TestComposeHealthchecks(t *testing.T) {
	c := loadCompose(t)
	// Images without a shell need the exec form ["CMD", …]: recent Mattermost images and
	// our distroless wolbot image.
	execForm := map[string]bool{"mattermost": true, "wolbot": true}
	for name, s := range c.Services {
		t.Run(name, func(t *testing.T) {
			h := s.Healthcheck
			if h == nil || h.Disable || len(h.Test) == 0 || h.Test[0] == "NONE" {
				t.Fatal("no health check")
			}
			switch {
			case len(h.Test) == 1: // a string is run by the container's shell
				if execForm[name] {
					t.Errorf("test %q needs a shell; this image has none, use [\"CMD\", …]", h.Test[0])
				}
			case h.Test[0] == "CMD-SHELL":
				if execForm[name] {
					t.Errorf("test %q needs a shell; this image has none, use [\"CMD\", …]", h.Test)
				}
			case h.Test[0] == "CMD":
			default:
				t.Errorf("test %q: want [\"CMD\", …] or [\"CMD-SHELL\", …]", h.Test)
			}
			for field, v := range map[string]string{"interval": h.Interval, "timeout": h.Timeout} {
				if _, err := time.ParseDuration(v); err != nil {
					t.Errorf("%s %q: %v", field, v, err)
				}
			}
		})
	}
	t.Run("wolbot asks its own binary", func(t *testing.T) {
		_, entrypoint := finalStageEntrypoint(t)
		want := []string{"CMD", entrypoint, "healthcheck"}
		if got := c.service(t, "wolbot").Healthcheck; got == nil || !slices.Equal(got.Test, want) {
			t.Errorf("wolbot health check = %v, want %q (the image's ENTRYPOINT binary)", got, want)
		}
	})
	t.Run("mattermost local mode for mmctl --local", func(t *testing.T) {
		mm := c.service(t, "mattermost")
		if mm.Healthcheck != nil && slices.Contains(mm.Healthcheck.Test, "--local") &&
			mm.Environment["MM_SERVICESETTINGS_ENABLELOCALMODE"] != "true" {
			t.Error("the health check uses mmctl --local, but MM_SERVICESETTINGS_ENABLELOCALMODE is not true")
		}
	})
}

func TestComposeStartOrder(t *testing.T) {
	c := loadCompose(t)
	for _, tc := range []struct {
		service string
		needs   []string
	}{
		{"wolbot", []string{"redis", "mattermost"}},
		{"mattermost", []string{"postgres"}},
	} {
		t.Run(tc.service, func(t *testing.T) {
			s := c.service(t, tc.service)
			for _, dep := range tc.needs {
				if got := s.DependsOn[dep]; got != "service_healthy" {
					t.Errorf("depends_on %s: condition %q, want service_healthy", dep, got)
				}
				if c.service(t, dep).Healthcheck == nil {
					t.Errorf("depends on %s being healthy, but %s has no health check", dep, dep)
				}
			}
		})
	}
}

func TestComposeWolbotService(t *testing.T) {
	w := loadCompose(t).service(t, "wolbot")
	if !w.Build.Set || filepath.Clean(w.Build.Context) != "." {
		t.Errorf("build context = %q, want . (this repository)", w.Build.Context)
	}
	if w.Build.Dockerfile != "" && w.Build.Dockerfile != "Dockerfile" {
		t.Errorf("build dockerfile = %q, want Dockerfile", w.Build.Dockerfile)
	}
	if !w.ReadOnly {
		t.Error("read_only is not true: wolbot writes nothing to its file system")
	}
	if !slices.Contains(w.CapDrop, "ALL") {
		t.Errorf("cap_drop = %q, want ALL", w.CapDrop)
	}
	if u, _, _ := strings.Cut(w.User, ":"); u == "root" || u == "0" {
		t.Errorf("user = %q overrides the image's non-root user", w.User)
	}
	if w.EnvFile != nil {
		t.Error("env_file would hand every variable of .env (the database password too) to wolbot; list wolbot's variables under environment")
	}
	if d, err := time.ParseDuration(w.StopGracePeriod); err != nil || d < 15*time.Second {
		t.Errorf("stop_grace_period = %q, want at least 15s for a graceful shutdown", w.StopGracePeriod)
	}
}

func TestComposePorts(t *testing.T) {
	c := loadCompose(t)
	// Only the browser needs a way in; everything else talks on the compose networks.
	published := map[string][]string{"mattermost": {"8065"}}
	for name, s := range c.Services {
		t.Run(name, func(t *testing.T) {
			var targets []string
			for _, p := range s.Ports {
				targets = append(targets, p.Target)
				if p.Published != "" && p.HostIP != "127.0.0.1" {
					t.Errorf("port %s is published on all interfaces; bind it to 127.0.0.1 and put a TLS proxy in front", p.Target)
				}
			}
			if want := published[name]; !slices.Equal(targets, want) {
				t.Errorf("ports to container ports %q, want %q", targets, want)
			}
		})
	}
}

func TestComposeNetworks(t *testing.T) {
	c := loadCompose(t)
	for name, s := range c.Services {
		if len(s.Networks) == 0 {
			t.Errorf("%s: no networks: it would join the default network with everyone", name)
		}
		for _, n := range s.Networks {
			if _, ok := c.Networks[n]; !ok {
				t.Errorf("%s: network %q is not declared under the top-level networks:", name, n)
			}
		}
	}
	shared := func(a, b string) []string {
		var out []string
		for _, n := range c.service(t, a).Networks {
			if slices.Contains(c.service(t, b).Networks, n) {
				out = append(out, n)
			}
		}
		return out
	}
	for _, tc := range []struct {
		a, b string
		meet bool
	}{
		{"wolbot", "redis", true},
		{"wolbot", "mattermost", true},
		{"mattermost", "postgres", true},
		{"wolbot", "postgres", false},
		{"mattermost", "redis", false},
	} {
		if got := len(shared(tc.a, tc.b)) > 0; got != tc.meet {
			t.Errorf("%s and %s share networks %q; want shared=%v", tc.a, tc.b, shared(tc.a, tc.b), tc.meet)
		}
	}
	for _, name := range []string{"redis", "postgres"} {
		for _, n := range c.service(t, name).Networks {
			if nw := c.Networks[n]; nw == nil || !nw.Internal {
				t.Errorf("%s is on network %q, which is not internal: a data store needs no way out", name, n)
			}
		}
	}
}

// TestComposeWiring checks that the addresses in the services' settings point at each other.
func TestComposeWiring(t *testing.T) {
	c := loadCompose(t)
	env := c.service(t, "wolbot").Environment
	mm := c.service(t, "mattermost").Environment

	parse := func(name, raw string) *url.URL {
		t.Helper()
		// Stand-ins for ${…}, which Compose fills in from .env.
		u, err := url.Parse(interpolation.ReplaceAllString(raw, "v"))
		if err != nil || u.Host == "" {
			t.Fatalf("%s=%q: not a URL", name, raw)
		}
		return u
	}
	redisURL := parse("REDIS_URL", env["REDIS_URL"])
	if redisURL.Scheme != "redis" || redisURL.Hostname() != "redis" || redisURL.Port() != "6379" {
		t.Errorf("REDIS_URL=%q, want redis://redis:6379/…", env["REDIS_URL"])
	}
	mmURL := parse("MATTERMOST_URL", env["MATTERMOST_URL"])
	if mmURL.Hostname() != "mattermost" || mmURL.Port() != "8065" {
		t.Errorf("MATTERMOST_URL=%q, want the mattermost service on 8065", env["MATTERMOST_URL"])
	}

	_, port, ok := strings.Cut(env["WOLBOT_LISTEN"], ":")
	if !ok || port == "" {
		t.Fatalf("WOLBOT_LISTEN=%q, want :PORT", env["WOLBOT_LISTEN"])
	}
	if exposed := dockerfileExposed(t); !slices.Contains(exposed, port) {
		t.Errorf("WOLBOT_LISTEN port %s is not among the Dockerfile's EXPOSE %q", port, exposed)
	}
	// Health and metrics stay off the network Mattermost is on (issue 11.9).
	if host, _, err := net.SplitHostPort(env["WOLBOT_ADMIN_LISTEN"]); err != nil || !net.ParseIP(host).IsLoopback() {
		t.Errorf("WOLBOT_ADMIN_LISTEN=%q, want a loopback address (health and metrics are internal)", env["WOLBOT_ADMIN_LISTEN"])
	}
	public := parse("WOLBOT_PUBLIC_URL", env["WOLBOT_PUBLIC_URL"])
	if c.Services[public.Hostname()] == nil || public.Hostname() != "wolbot" {
		t.Errorf("WOLBOT_PUBLIC_URL=%q: Mattermost reaches wolbot by its service name, wolbot", env["WOLBOT_PUBLIC_URL"])
	}
	if public.Port() != port {
		t.Errorf("WOLBOT_PUBLIC_URL port %q, but wolbot listens on %q", public.Port(), port)
	}
	allowed := strings.FieldsFunc(mm["MM_SERVICESETTINGS_ALLOWEDUNTRUSTEDINTERNALCONNECTIONS"], func(r rune) bool { return r == ' ' || r == ',' })
	if !slices.Contains(allowed, public.Hostname()) {
		t.Errorf("MM_SERVICESETTINGS_ALLOWEDUNTRUSTEDINTERNALCONNECTIONS=%q lacks %q: Mattermost would refuse to call wolbot's slash commands and buttons",
			mm["MM_SERVICESETTINGS_ALLOWEDUNTRUSTEDINTERNALCONNECTIONS"], public.Hostname())
	}

	for _, key := range []string{"MM_SERVICESETTINGS_ENABLEBOTACCOUNTCREATION", "MM_SERVICESETTINGS_ENABLEUSERACCESSTOKENS", "MM_SERVICESETTINGS_ENABLECOMMANDS"} {
		if mm[key] != "true" {
			t.Errorf("mattermost %s=%q, want true (bot account, its token, slash commands)", key, mm[key])
		}
	}
	if mm["MM_SQLSETTINGS_DRIVERNAME"] != "postgres" {
		t.Errorf("MM_SQLSETTINGS_DRIVERNAME=%q, want postgres", mm["MM_SQLSETTINGS_DRIVERNAME"])
	}
	dsn := parse("MM_SQLSETTINGS_DATASOURCE", mm["MM_SQLSETTINGS_DATASOURCE"])
	if dsn.Scheme != "postgres" || dsn.Hostname() != "postgres" {
		t.Errorf("MM_SQLSETTINGS_DATASOURCE=%q, want postgres://…@postgres:5432/…", mm["MM_SQLSETTINGS_DATASOURCE"])
	}
	pg := c.service(t, "postgres").Environment
	for _, key := range []string{"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"} {
		vars := referencedVariables(pg[key])
		if len(vars) != 1 {
			t.Errorf("postgres %s=%q, want one variable from .env", key, pg[key])
			continue
		}
		if !slices.Contains(referencedVariables(mm["MM_SQLSETTINGS_DATASOURCE"]), vars[0]) {
			t.Errorf("MM_SQLSETTINGS_DATASOURCE does not use ${%s}, which the postgres service uses for %s", vars[0], key)
		}
	}
}

// TestComposeVariables checks the compose file, .env.example and wolbot's settings table
// against each other.
func TestComposeVariables(t *testing.T) {
	c := loadCompose(t)
	used := composeVariables(t)
	example := loadEnvExample(t)
	settings := wolbotSettings(t)
	wolbotEnv := c.service(t, "wolbot").Environment

	t.Run("every variable the compose file uses is in .env.example", func(t *testing.T) {
		for v := range used {
			if _, ok := example[v]; !ok {
				t.Errorf("${%s} is used in docker-compose.yml but not documented in .env.example", v)
			}
		}
	})
	// Without env_file, a variable in .env reaches no container unless the compose file
	// uses it; so every variable in .env.example must be used there.
	t.Run("every variable in .env.example is used", func(t *testing.T) {
		for v, e := range example {
			if !used[v] {
				t.Errorf(".env.example:%d: %s is used nowhere in docker-compose.yml", e.Line, v)
			}
		}
	})
	t.Run("wolbot gets only variables wolbot reads", func(t *testing.T) {
		for key := range wolbotEnv {
			if !settings[key] {
				t.Errorf("wolbot environment %s is not in the settings table of cmd/wolbot/main.go", key)
			}
		}
	})
	t.Run("wolbot variables in .env.example reach wolbot under their own name", func(t *testing.T) {
		for v, e := range example {
			refs := referencedVariables(wolbotEnv[v])
			switch {
			case settings[v] && !slices.Equal(refs, []string{v}):
				t.Errorf(".env.example:%d: %s is a wolbot setting; want environment %s: ${%s:-} in the wolbot service, got %q", e.Line, v, v, v, wolbotEnv[v])
			case !settings[v]:
				for key, val := range wolbotEnv {
					if slices.Contains(referencedVariables(val), v) {
						t.Errorf("wolbot environment %s uses ${%s}, which is not wolbot's", key, v)
					}
				}
			}
		}
	})
	t.Run("no secret written into the compose file", func(t *testing.T) {
		secret := regexp.MustCompile(`_(PASSWORD|TOKENS?|SECRET)$`)
		for name, s := range c.Services {
			for key, val := range s.Environment {
				if secret.MatchString(key) && val != "" && !strings.Contains(val, "${") {
					t.Errorf("%s: %s has a literal value; take it from .env", name, key)
				}
			}
		}
	})
}

func TestEnvExample(t *testing.T) {
	example := loadEnvExample(t)
	settings := wolbotSettings(t)
	for v, e := range example {
		t.Run(v, func(t *testing.T) {
			if !e.Documented {
				t.Errorf(".env.example:%d: %s has no comment above it", e.Line, v)
			}
			if (strings.Contains(v, "TOKEN") || strings.Contains(v, "SECRET")) && e.Value != "" {
				t.Errorf(".env.example:%d: %s=%q: an example file holds no tokens; leave it empty", e.Line, v, e.Value)
			}
			if strings.Contains(v, "PASSWORD") {
				// It goes into MM_SQLSETTINGS_DATASOURCE, a URL, unescaped.
				if !regexp.MustCompile(`^[A-Za-z0-9._~-]+$`).MatchString(e.Value) {
					t.Errorf(".env.example:%d: %s=%q: want a placeholder of URL-safe characters", e.Line, v, e.Value)
				}
			}
			if strings.HasPrefix(v, "WOLBOT_") && !settings[v] {
				t.Errorf(".env.example:%d: %s looks like a wolbot setting but cmd/wolbot does not read it", e.Line, v)
			}
		})
	}
}

// ---------------------------------------------------------------------------------------
// The Dockerfile.

type instruction struct {
	Cmd, Args string
	Line      int
}

type stage struct {
	Image, Name string
	Body        []instruction
}

// parseDockerfile splits the Dockerfile into instructions (continuation lines joined,
// comments dropped) and the instructions into stages.
func parseDockerfile(t *testing.T) []stage {
	t.Helper()
	var ins []instruction
	var cur strings.Builder
	start := 0
	for i, raw := range strings.Split(readRepoFile(t, "Dockerfile"), "\n") {
		line := strings.TrimRight(raw, " \t\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue // also inside a continuation, as Docker does
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		ins = append(ins, instruction{strings.ToUpper(cmd), strings.TrimSpace(args), start})
		cur.Reset()
	}
	var stages []stage
	for _, in := range ins {
		if in.Cmd == "FROM" {
			var fields []string
			for _, f := range strings.Fields(in.Args) {
				if !strings.HasPrefix(f, "--") {
					fields = append(fields, f)
				}
			}
			st := stage{Image: fields[0]}
			if len(fields) == 3 && strings.EqualFold(fields[1], "AS") {
				st.Name = fields[2]
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			if in.Cmd != "ARG" {
				t.Fatalf("Dockerfile:%d: %s before the first FROM", in.Line, in.Cmd)
			}
			continue
		}
		stages[len(stages)-1].Body = append(stages[len(stages)-1].Body, in)
	}
	if len(stages) == 0 {
		t.Fatal("Dockerfile: no FROM")
	}
	return stages
}

func (s stage) find(cmd string) []instruction {
	var out []instruction
	for _, in := range s.Body {
		if in.Cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// finalStageEntrypoint returns the final stage and the binary its ENTRYPOINT runs.
func finalStageEntrypoint(t *testing.T) (stage, string) {
	t.Helper()
	stages := parseDockerfile(t)
	final := stages[len(stages)-1]
	eps := final.find("ENTRYPOINT")
	if len(eps) != 1 {
		t.Fatalf("Dockerfile: final stage has %d ENTRYPOINTs, want 1", len(eps))
	}
	var argv []string
	if err := json.Unmarshal([]byte(eps[0].Args), &argv); err != nil || len(argv) == 0 {
		t.Fatalf("Dockerfile:%d: ENTRYPOINT %s: want the exec form [\"/wolbot\"] (there is no shell)", eps[0].Line, eps[0].Args)
	}
	return final, argv[0]
}

func dockerfileExposed(t *testing.T) []string {
	t.Helper()
	stages := parseDockerfile(t)
	var ports []string
	for _, in := range stages[len(stages)-1].find("EXPOSE") {
		for _, p := range strings.Fields(in.Args) {
			p, _, _ = strings.Cut(p, "/")
			ports = append(ports, p)
		}
	}
	return ports
}

var goDirective = regexp.MustCompile(`(?m)^go\s+(\d+\.\d+(?:\.\d+)?)\s*$`)

func TestDockerfile(t *testing.T) {
	stages := parseDockerfile(t)
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stage(s), want a build stage and a small run stage", len(stages))
	}
	names := map[string]bool{}
	for i, st := range stages {
		t.Run(fmt.Sprintf("FROM %s", st.Image), func(t *testing.T) {
			switch {
			case names[st.Image], st.Image == "scratch":
			case i == 0:
				if err := pinnedRelease(st.Image); err != nil {
					t.Error(err)
				}
			default:
				if err := explicitTag(st.Image); err != nil {
					t.Error(err)
				}
			}
		})
		names[st.Name] = true
	}

	build := stages[0]
	t.Run("Go version of go.mod", func(t *testing.T) {
		m := goDirective.FindStringSubmatch(readRepoFile(t, "go.mod"))
		if m == nil {
			t.Fatal("go.mod: no go directive")
		}
		name, tag, _ := splitImage(build.Image)
		version, _, _ := strings.Cut(tag, "-")
		if name != "golang" || (version != m[1] && !strings.HasPrefix(version, m[1]+".")) {
			t.Errorf("build image %s, want golang:%s-… (go.mod says go %s)", build.Image, m[1], m[1])
		}
	})

	var buildCmd instruction
	t.Run("build stage", func(t *testing.T) {
		download, copyAll := -1, -1
		for i, in := range build.Body {
			switch {
			case in.Cmd == "RUN" && strings.Contains(in.Args, "go mod download") && download < 0:
				download = i
			case in.Cmd == "COPY" && strings.Fields(in.Args)[0] == "." && copyAll < 0:
				copyAll = i
			case in.Cmd == "RUN" && strings.Contains(in.Args, "go build"):
				buildCmd = in
			}
		}
		if download < 0 || copyAll < 0 || download > copyAll {
			t.Errorf("want `RUN go mod download` (after copying go.mod and go.sum) before `COPY . .`, so the dependency layer is cached")
		}
		if buildCmd.Args == "" {
			t.Fatal("no RUN go build")
		}
		cgoOff := strings.Contains(buildCmd.Args, "CGO_ENABLED=0")
		for _, env := range build.find("ENV") {
			cgoOff = cgoOff || regexp.MustCompile(`CGO_ENABLED[= ]0\b`).MatchString(env.Args)
		}
		if !cgoOff {
			t.Error("CGO_ENABLED=0 not set for go build: the binary would need a libc the run image lacks")
		}
		for _, want := range []string{"-trimpath", "./cmd/wolbot", "-o "} {
			if !strings.Contains(buildCmd.Args, want) {
				t.Errorf("go build lacks %q: %s", want, buildCmd.Args)
			}
		}
	})

	t.Run("run stage", func(t *testing.T) {
		final, entrypoint := finalStageEntrypoint(t)
		users := final.find("USER")
		if len(users) == 0 {
			t.Fatal("final stage sets no USER: it would run as root")
		}
		if u, _, _ := strings.Cut(users[len(users)-1].Args, ":"); u == "root" || u == "0" {
			t.Errorf("final stage USER %s", users[len(users)-1].Args)
		}
		var out string
		if f := strings.Fields(buildCmd.Args); slices.Contains(f, "-o") {
			out = f[slices.Index(f, "-o")+1]
		}
		copied := false
		for _, in := range final.find("COPY") {
			f := strings.Fields(in.Args)
			copied = copied || (len(f) == 3 && f[0] == "--from="+build.Name && f[1] == out && f[2] == entrypoint)
		}
		if !copied {
			t.Errorf("final stage does not COPY --from=%s %s %s (the binary the ENTRYPOINT runs)", build.Name, out, entrypoint)
		}
		if !slices.Contains(dockerfileExposed(t), "8080") {
			t.Error("final stage does not EXPOSE 8080 (WOLBOT_LISTEN's default)")
		}
		for _, in := range final.Body {
			if in.Cmd == "ADD" && strings.Contains(in.Args, "://") {
				t.Errorf("Dockerfile:%d: ADD from a URL is not pinned", in.Line)
			}
		}
	})
}

// ---------------------------------------------------------------------------------------
// .dockerignore

// ignorePattern compiles a .dockerignore pattern the way Docker reads it: relative to the
// context root, '*' and '?' within one path element, '**' across elements; a pattern that
// matches a directory excludes everything below it.
func ignorePattern(p string) *regexp.Regexp {
	p = strings.TrimPrefix(filepath.ToSlash(filepath.Clean(p)), "/")
	var re strings.Builder
	re.WriteString("^")
	for i := 0; i < len(p); i++ {
		switch {
		case strings.HasPrefix(p[i:], "**/"):
			re.WriteString("(.*/)?")
			i += 2
		case strings.HasPrefix(p[i:], "**"):
			re.WriteString(".*")
			i++
		case p[i] == '*':
			re.WriteString("[^/]*")
		case p[i] == '?':
			re.WriteString("[^/]")
		default:
			re.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	re.WriteString("(/.*)?$")
	return regexp.MustCompile(re.String())
}

type ignoreRule struct {
	re     *regexp.Regexp
	negate bool
}

func loadDockerignore(t *testing.T) []ignoreRule {
	t.Helper()
	var rules []ignoreRule
	for _, line := range strings.Split(readRepoFile(t, ".dockerignore"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		neg := strings.HasPrefix(line, "!")
		rules = append(rules, ignoreRule{ignorePattern(strings.TrimPrefix(line, "!")), neg})
	}
	return rules
}

func ignored(rules []ignoreRule, path string) bool {
	out := false
	for _, r := range rules {
		if r.re.MatchString(path) {
			out = !r.negate
		}
	}
	return out
}

func TestIgnorePattern(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		match         bool
	}{
		{".git", ".git/config", true},
		{".env", ".env", true},
		{".env", "deploy/.env", false},
		{".env.*", ".env.example", true},
		{"/wolbot", "wolbot", true},
		{"/wolbot", "cmd/wolbot/main.go", false},
		{"**/*_test.go", "bot/x_test.go", true},
		{"**/*_test.go", "x_test.go", true},
		{"**/*_test.go", "bot/x.go", false},
		{"**/testdata", "circles/match/testdata/planners.csv", true},
		{"deploy", "deploy/doc.go", true},
		{"*.md", "bot/impulses/library/de/01.md", false},
		{"**/*.md", "bot/impulses/library/de/01.md", true},
	} {
		if got := ignorePattern(tc.pattern).MatchString(tc.path); got != tc.match {
			t.Errorf("pattern %q on %q: %v, want %v", tc.pattern, tc.path, got, tc.match)
		}
	}
}

func TestDockerignore(t *testing.T) {
	rules := loadDockerignore(t)
	for _, p := range []string{".env", ".git/HEAD"} {
		if !ignored(rules, p) {
			t.Errorf("%s is sent to the Docker build; exclude it", p)
		}
	}
	// Everything the binary is built from must stay: go.mod, go.sum, every non-test Go
	// file, and the impulse library that bot/impulses embeds.
	kept := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed meanwhile, e.g. a temporary file of a concurrent run
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == ".git" || rel == "deploy" {
				return filepath.SkipDir
			}
			return nil
		}
		needed := rel == "go.mod" || rel == "go.sum" ||
			(strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, "_test.go") && !strings.Contains(rel, "/testdata/")) ||
			strings.HasPrefix(rel, "bot/impulses/library/")
		if needed {
			kept++
			if ignored(rules, rel) {
				t.Errorf("%s is excluded by .dockerignore, but the build needs it", rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if kept < 10 {
		t.Errorf("found only %d files the build needs; is the walk looking at the repository?", kept)
	}
}

// ---------------------------------------------------------------------------------------
// The README section.

// TestReadmeNamesTheImages keeps the table in "Deployment with Docker Compose" in README.md in
// step with the compose file.
func TestReadmeNamesTheImages(t *testing.T) {
	const heading = "## Deployment with Docker Compose"
	var section string
	for _, name := range []string{"README.md"} {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			continue
		}
		if _, rest, ok := strings.Cut(string(b), heading+"\n"); ok {
			if i := strings.Index(rest, "\n## "); i >= 0 {
				rest = rest[:i]
			}
			section = rest
			break
		}
	}
	if section == "" {
		t.Fatalf("no section %q in README.md", heading)
	}
	for name, s := range loadCompose(t).Services {
		if s.Image != "" && !strings.Contains(section, "`"+s.Image+"`") {
			t.Errorf("the README's deployment section does not name %s's image `%s`", name, s.Image)
		}
	}
}
