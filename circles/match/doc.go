// Package match forms Working Out Loud circles: it splits the people enrolled in a round into
// circles of 4–5 (configurable) per region, so that members come from different municipalities
// and share a meeting slot, and it says plainly where a region makes that impossible. It is
// pure computation — no Redis, no chat, standard library only — used by the bot's preview and
// confirm and by the offline command `wolbot circles match --csv`.
//
// # Model
//
// Matching happens per region. A region with fewer than MinSize people is waitlisted as a
// whole. Otherwise the number of circles k is fixed up front: every k with
// k·MinSize ≤ n ≤ k·MaxSize gives balanced sizes (they differ by at most one); Match takes the
// smallest such k that reaches the lowest unavoidable number of same-municipality pairs, so a
// dominant municipality gets an extra, smaller circle rather than an avoidable clash. If no k
// fits n (7 people, circles of 4–5), the fewest people possible wait — those whose absence
// leaves the best circles — each with the reason.
//
// # Cost
//
// Each circle costs (lower is better; cost.go):
//
//	1000 per pair of members from the same municipality
//	 500 per member who cannot make the circle's slot (the slot most members can make)
//	  50 per pair who were circle partners before (Former, named on either side)
//	   5 if all members share one known role, in a region with several roles
//
// so the two hard rules dominate and the soft ones decide between arrangements that keep them.
// Sizes carry no weight: they are balanced by construction and every move keeps them so. Cost
// is exported so tests and benchmarks score any partition the same way.
//
// # Algorithm
//
// Per region, regions in parallel (GOMAXPROCS workers), after sorting people by id:
//
//  1. construct.go builds circles one at a time around the most constrained unplaced person,
//     at the slot with the most company, one seat per municipality, largest municipalities
//     first. Linear, apart from a scan over slots and municipalities per circle.
//  2. improve.go searches locally with swaps and size-preserving moves that lower the total
//     cost. Regions of up to 1000 people (real enrolment rounds) are searched as a whole:
//     every swap around changed circles, deeper changes (3-cycles, moving a circle to another
//     slot; repair.go), and iterated local search with kicks and rollback. Larger regions get
//     a sampled repair of the costly circles only — a constant amount of work per such circle
//     — and then pieces of about 100 people around what is left, searched like small regions.
//     A budget of evaluations per person bounds the work, so the whole match grows linearly;
//     the search also stops at cost 0 or at the unavoidable same-municipality pairs.
//  3. report.go turns the assignment into Circles with Issues that name the people, the
//     municipality and, where the region leaves no choice, why ("Kreis Düren has 9 of 20
//     people in region Rheinland; with 5 circles at least 4 must share a circle with a
//     colleague from the same municipality"), and sums up the Quality.
//
// All randomness comes from math/rand/v2 with a PCG source seeded by Options.Seed and the
// region's name, and no map is iterated where its order could reach the result: the same
// input (in any order) and seed give the same Result, so a preview and its confirmation agree.
//
// # Where to start reading
//
// match.go (the types and Match), then cost.go, construct.go, improve.go and repair.go,
// report.go. region.go holds the per-region model (interned municipalities, slots as bit
// masks); csv.go the offline format. The tests show the guarantees: match_test.go (rules,
// infeasible regions, determinism), exhaustive_test.go (against the optimum on small
// instances), baseline_test.go (against random circles), bench_test.go (10k and 100k people).
package match
