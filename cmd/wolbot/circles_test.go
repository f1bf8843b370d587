package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

func TestCirclesMatchCommand(t *testing.T) {
	const csv = "../../circles/match/testdata/planners.csv"
	golden, err := os.ReadFile("../../circles/match/testdata/circles.golden.csv")
	if err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	code := run(context.Background(), []string{"circles", "match", "--csv", csv, "--seed", "1"}, nil, &out, &errs, env(nil))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	if out.String() != string(golden) {
		t.Errorf("stdout differs from the matcher's golden file:\n%s", out.String())
	}
	for _, want := range []string{"people:", "fully valid:", "circle Rheinland-", "waitlist: Paula Vogel (s01): region Sachsen has only 3 people"} {
		if !strings.Contains(errs.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, errs.String())
		}
	}

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"csv required", []string{"circles", "match"}, 2, "--csv is required"},
		{"bad size", []string{"circles", "match", "--csv", csv, "--size", "2-9"}, 2, "--size"},
		{"missing file", []string{"circles", "match", "--csv", "nicht-da.csv"}, 1, "nicht-da.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			if code := run(context.Background(), tt.args, nil, &out, &errs, env(nil)); code != tt.code || !strings.Contains(errs.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errs.String(), tt.code, tt.want)
			}
		})
	}
}
