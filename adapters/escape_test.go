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
		{"user mention broken", "frag @anna", "frag @\u200banna"},
		{"user mention after punctuation broken", "(@anna.b)", "(@\u200banna.b)"},
		{"lone at sign kept", "wir treffen uns @ 10 Uhr", "wir treffen uns @ 10 Uhr"},
		{"email kept", "anna@stadt-koeln.de", "anna@stadt-koeln.de"},
		{"slack broadcast", "<!channel> los", "<\u200b!channel> los"},
		{"slack user token", "<@U123>", "<\u200b@\u200bU123>"},
		{"markdown link broken", "[Wolbot](http://evil.example)", "[Wolbot]\u200b(http:\u200b//evil.example)"},
		{"handle starting like a broadcast broken too", "@channels", "@\u200bchannels"},
		{"direction override stripped", "Haushalt \u202eTXT.exe", "Haushalt TXT.exe"},
		{"isolates and marks stripped", "a\u2066b\u2069c\u200ed\u061ce", "abcde"},
		{"zero-width characters stripped", "@\u200ban\u200cna\u200d\ufeff", "@\u200banna"},
		{"word joiner stripped", "@\u2060anna", "@\u200banna"},
		{"bare image address broken", "Bild: https://evil.example/x.png.", "Bild: https:\u200b//evil.example/x.png."},
		{"www address broken", "siehe www.example.org/a", "siehe www\u200b.example.org/a"},
		{"www inside a word kept", "awww.de", "awww.de"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Escape(tt.in); got != tt.want {
				t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
