// Package job runs a workflow's background jobs: each one every period
// until the context ends, logging failures. The jobs themselves claim
// their work in the database, so several processes may run them.
package job

import (
	"context"
	"log/slog"
	"time"
)

// Job is one background job: it does what is due and says how much.
type Job struct {
	Name string
	Run  func(context.Context) (int, error)
}

// Every runs jobs, in order, at once and then every period (default 1s)
// until ctx ends; a failure is logged (logger nil: not) and the next run
// tries again.
func Every(ctx context.Context, period time.Duration, logger *slog.Logger, jobs ...Job) {
	if period <= 0 {
		period = time.Second
	}
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		for _, j := range jobs {
			if _, err := j.Run(ctx); err != nil && ctx.Err() == nil && logger != nil {
				logger.Error(j.Name, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
