package storage_test

import (
	"testing"

	"github.com/wolbot/wolbot/storage/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }
