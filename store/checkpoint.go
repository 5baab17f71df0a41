package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// checkpointer runs SQLite's WAL checkpoints on a connection of its own.
// The writer connection has wal_autocheckpoint off, so a commit only
// appends to the WAL and fsyncs it; copying those pages into the database
// file (and fsyncing that) happens here, in parallel with the writer,
// instead of every thousand pages inside some lead's commit.
type checkpointer struct {
	db       *sql.DB
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// checkpointInterval is how often a PASSIVE checkpoint runs; walRestartFrames
// is the WAL size (in pages) past which a RESTART checkpoint waits for
// readers so that the WAL file starts over instead of growing.
const (
	checkpointInterval = 100 * time.Millisecond
	walRestartFrames   = 1 << 16
)

func startCheckpointer(dsn string) (*checkpointer, error) {
	db, err := sql.Open(sqliteDriverName, dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	c := &checkpointer{db: db, quit: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c, nil
}

func (c *checkpointer) loop() {
	defer close(c.done)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-t.C:
		}
		frames, err := c.checkpoint("PASSIVE")
		if err == nil && frames > walRestartFrames {
			_, err = c.checkpoint("RESTART")
		}
		if err != nil {
			slog.Warn("sqlite checkpoint", "err", err)
		}
	}
}

// checkpoint runs one checkpoint and returns the WAL's size in frames.
func (c *checkpointer) checkpoint(mode string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var busy, frames, copied int
	if err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &frames, &copied); err != nil {
		return 0, fmt.Errorf("wal_checkpoint(%s): %w", mode, err)
	}
	return frames, nil
}

// stop ends the loop and closes the connection, which (as the last one
// open, see DB.Close) copies what is left of the WAL into the database.
// Safe to call more than once.
func (c *checkpointer) stop() {
	c.stopOnce.Do(func() {
		close(c.quit)
		<-c.done
		_ = c.db.Close()
	})
}
