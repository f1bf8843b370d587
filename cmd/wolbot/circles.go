package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wolbot/wolbot/circles/match"
)

// runCirclesMatch is "wolbot circles match --csv planners.csv [--size 4-5] [--seed N]": the
// matcher offline, for admins who collect registrations elsewhere. The circles go to stdout as
// CSV, the quality report to stderr.
func runCirclesMatch(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("wolbot circles match", flag.ContinueOnError)
	fs.SetOutput(stderr)
	csvPath := fs.String("csv", "", "CSV file with header id,name,municipality,region,slots (slots ';'-separated, e.g. mo-am;do-pm); - for stdin")
	size := fs.String("size", "4-5", "circle size, e.g. 4-5 or 4 (at least 3)")
	seed := fs.Int64("seed", 1, "seed: the same input and seed give the same circles")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *csvPath == "" {
		fmt.Fprintln(stderr, "wolbot circles match: --csv is required")
		return 2
	}
	minSize, maxSize, err := match.ParseSize(*size)
	if err != nil {
		fmt.Fprintf(stderr, "wolbot circles match: --size %q: %v\n", *size, err)
		return 2
	}
	var in io.Reader = os.Stdin
	if *csvPath != "-" {
		f, err := os.Open(*csvPath)
		if err != nil {
			fmt.Fprintf(stderr, "wolbot circles match: %v\n", err)
			return 1
		}
		defer f.Close()
		in = f
	}
	people, err := match.ReadCSV(in)
	if err != nil {
		fmt.Fprintf(stderr, "wolbot circles match: %s: %v\n", *csvPath, err)
		return 1
	}
	res, err := match.Match(people, match.Options{MinSize: minSize, MaxSize: maxSize, Seed: *seed})
	if err != nil {
		fmt.Fprintf(stderr, "wolbot circles match: %v\n", err)
		return 1
	}
	if err := match.WriteCSV(stdout, res); err != nil {
		fmt.Fprintf(stderr, "wolbot circles match: write: %v\n", err)
		return 1
	}
	fmt.Fprintln(stderr, strings.TrimRight(res.Quality.Report(), "\n"))
	labels := res.Labels()
	for i, c := range res.Circles {
		for _, is := range c.Issues {
			fmt.Fprintf(stderr, "circle %s: %s\n", labels[i], is.Detail)
		}
	}
	for _, p := range res.Waitlist {
		fmt.Fprintf(stderr, "waitlist: %s (%s): %s\n", p.Name, p.ID, res.WaitReason[p.ID])
	}
	return 0
}
