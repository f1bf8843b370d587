package mattermost

import (
	"testing"

	"github.com/wolbot/wolbot/storage/redistest"
)

// TestMain gives the package's tests a real Redis (DESIGN.md, "Testing"): the exactly-once
// tests run the real core, which dedupes in Redis.
func TestMain(m *testing.M) { redistest.Main(m) }
