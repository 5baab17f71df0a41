package intake

import (
	"context"
	"log/slog"
	"time"

	"github.com/leadrouter/leadrouter/job"
	"github.com/leadrouter/leadrouter/store"
)

// indexBatch is how many leads one indexing transaction takes.
const indexBatch = 500

// Indexer writes the company-name tokens of new leads (the near-miss
// index of matching and of the lead list's company filter) behind the
// group-commit writer, so that the writer's transaction does not pay for
// them. A lead is found by e-mail, domain and exact company name as soon
// as it is stored, by the words of its company once the indexer has run
// (within a period or two). Accounts and registrations are indexed as
// they are written: they are few, and capture matches the next lead
// against them at once.
type Indexer struct {
	DB *store.DB
	// Every is how often the indexer looks for new leads (default 200ms).
	Every  time.Duration
	Logger *slog.Logger
}

// IndexCompanies indexes every lead stored since the last run, indexBatch
// a transaction, and returns how many it indexed. Each transaction claims
// the durable cursor and advances it with the tokens it wrote: a process
// killed mid-way resumes where the last commit left off, and several
// processes never index a lead twice.
func (ix *Indexer) IndexCompanies(ctx context.Context) (int, error) {
	total := 0
	for {
		n := 0
		err := ix.DB.Update(ctx, func(tx *store.Tx) (err error) {
			n, err = tx.IndexLeadCompanies(ctx, indexBatch)
			return err
		})
		total += n
		if err != nil || n < indexBatch {
			return total, err
		}
	}
}

// Run indexes new leads every ix.Every until ctx ends.
func (ix *Indexer) Run(ctx context.Context) {
	every := ix.Every
	if every <= 0 {
		every = 200 * time.Millisecond
	}
	job.Every(ctx, every, ix.Logger, job.Job{Name: "index company names of new leads", Run: ix.IndexCompanies})
}

// Lag is how many stored leads the indexer has not reached yet.
func (ix *Indexer) Lag(ctx context.Context) (int64, error) { return ix.DB.LeadsToIndex(ctx) }
