package store

import (
	"fmt"
	"time"
)

// On SQLite the times of events (migration 0018), leads, consent records
// and assignments (0023) are integers, nanoseconds since 1970 (UTC): 8
// bytes where the driver's text took 32 characters, in the row and in
// every index that holds them. On PostgreSQL they are timestamptz. A time
// that a migration could not convert (not in the driver's form) is still
// read.

// timeArg is t as those columns store it, for an INSERT, an UPDATE or a
// comparison.
func (tx *Tx) timeArg(t time.Time) any {
	if tx.db.engine == SQLite {
		return t.UnixNano()
	}
	return t.UTC()
}

// timeArgPtr is timeArg of *t, NULL for nil.
func (tx *Tx) timeArgPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return tx.timeArg(*t)
}

// dbTime scans a time as either engine stores it (see timeArg): a time,
// or an integer of nanoseconds since 1970. It is always UTC.
type dbTime time.Time

func (t *dbTime) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		*t = dbTime(v.UTC())
	case int64:
		*t = dbTime(time.Unix(0, v).UTC())
	default:
		return fmt.Errorf("a time stored as %T", v)
	}
	return nil
}

// nullTime is dbTime for a column that may be NULL: nil then.
type nullTime struct{ t *time.Time }

func (n *nullTime) Scan(v any) error {
	if v == nil {
		n.t = nil
		return nil
	}
	var t dbTime
	if err := t.Scan(v); err != nil {
		return err
	}
	tt := time.Time(t)
	n.t = &tt
	return nil
}
