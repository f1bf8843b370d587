package adapters

import "testing"

func TestEscape(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain text unchanged", "Wie beteiligen wir Jugendliche?", "Wie beteiligen wir Jugendliche?"},
		{"newlines folded", "erste Zeile\nzweite\r\n\tdritte", "erste Zeile zweite dritte"},
		{"at channel neutralised", "hallo @channel!", "hallo @\u200bchannel!"},
		{"at here any case", "@HERE bitte", "@\u200bHERE bitte"},
		{"at all", "an @all", "an @\u200ball"},
		{"at everyone", "@everyone", "@\u200beveryone"},
		{"normal mention kept", "frag @anna", "frag @anna"},
		{"email kept", "anna@stadt-koeln.de", "anna@stadt-koeln.de"},
		{"slack broadcast", "<!channel> los", "<\u200b!channel> los"},
		{"slack user token", "<@U123>", "<\u200b@U123>"},
		{"markdown link broken", "[Wolbot](http://evil.example)", "[Wolbot]\u200b(http://evil.example)"},
		{"prefix of word not a mention", "@channels", "@channels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Escape(tt.in); got != tt.want {
				t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
