package job

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// Jobs run at once, again every period, go on after a failure and stop
// with the context.
func TestEvery(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var a, b atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		Every(ctx, 5*time.Millisecond, nil,
			Job{Name: "a", Run: func(context.Context) (int, error) { a.Add(1); return 0, errors.New("failing") }},
			Job{Name: "b", Run: func(context.Context) (int, error) { b.Add(1); return 1, nil }})
	}()
	deadline := time.Now().Add(5 * time.Second)
	for (a.Load() < 3 || b.Load() < 3) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if a.Load() < 3 || b.Load() < 3 {
		t.Fatalf("ran %d and %d times", a.Load(), b.Load())
	}
}
