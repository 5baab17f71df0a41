package main

import (
	"strings"
	"testing"
	"time"
)

func TestImportProgress(t *testing.T) {
	line := progress(50_000, 25<<20, 100<<20, 20*time.Second)
	for _, want := range []string{"imported 50000 rows", "(2500 rows/s)", "25% of the file", "about 1m0s left"} {
		if !strings.Contains(line, want) {
			t.Errorf("%q lacks %q", line, want)
		}
	}
	if line := progress(10, 0, 0, time.Second); strings.Contains(line, "left") {
		t.Errorf("no size, no estimate: %q", line)
	}
}
