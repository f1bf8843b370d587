package adapters

import "testing"

func TestFileBaseName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"wol-rheinland-1.ics", "wol-rheinland-1.ics"},
		{"../../etc/passwd", "passwd"},
		{`..\..\windows\win.ini`, "win.ini"},
		{"C:evil.md", "Cevil.md"},
		{"a\x00b\nc.md", "abc.md"},
		{"..", "file"},
		{"  ", "file"},
		{"", "file"},
	}
	for _, tt := range tests {
		if got := (File{Name: tt.name}).BaseName(); got != tt.want {
			t.Errorf("File{Name: %q}.BaseName() = %q, want %q", tt.name, got, tt.want)
		}
	}
}
