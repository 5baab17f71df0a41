// Package audit keeps the timelines tamper-evident against someone who can
// write the database: it loads the audit key (kept outside the database),
// writes checkpoints of every timeline's head to an append-only file, and
// verifies the hash chains, the consent records and the checkpoints.
package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/leadrouter/leadrouter/store"
)

// KeySize is the size of a generated audit key.
const KeySize = 32

// LoadKey reads the audit key from path (hex, at least 32 bytes once
// decoded). When the file does not exist and create is set, a new random
// key is written there (0600) and created reports it.
func LoadKey(path string, create bool) (key []byte, created bool, err error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		key = make([]byte, KeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, false, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, false, fmt.Errorf("audit key: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, false, fmt.Errorf("audit key: %w", err)
		}
		_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
		if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
			return nil, false, fmt.Errorf("write audit key %s: %w", path, err)
		}
		return key, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("audit key: %w", err)
	}
	key, err = hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(key) < KeySize {
		return nil, false, fmt.Errorf("audit key %s: want at least %d bytes as hex", path, KeySize)
	}
	return key, false, nil
}

// headLine is one timeline head in the checkpoint file.
type headLine struct {
	Subject string `json:"s"`
	N       int64  `json:"n"`
	Hash    string `json:"h"`
}

// checkpointLine closes a block of head lines: root chains the previous
// block's root and the block's lines under the audit key, so the file
// cannot be edited or extended without the key either.
type checkpointLine struct {
	Checkpoint time.Time `json:"checkpoint"`
	Heads      int       `json:"heads"`
	Root       string    `json:"root"`
}

func blockRoot(key []byte, prevRoot string, lines [][]byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(prevRoot))
	for _, l := range lines {
		m.Write([]byte{0})
		m.Write(l)
	}
	return hex.EncodeToString(m.Sum(nil))
}

// Log is the append-only checkpoint file. Several processes may append to
// one file: each append holds an exclusive lock on it and chains to the
// last block whoever wrote it.
type Log struct {
	Path string
	Key  []byte

	mu sync.Mutex
}

// Append writes one block holding heads and returns its root. The file is
// synced before Append returns.
func (l *Log) Append(heads []store.Head, at time.Time) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := os.OpenFile(l.Path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return "", fmt.Errorf("audit checkpoint file: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock audit checkpoint file: %w", err)
	}
	defer func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }()
	prev, err := lastRoot(f)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	lines := make([][]byte, 0, len(heads))
	for _, h := range heads {
		b, _ := json.Marshal(headLine{h.Subject, h.N, h.Hash})
		lines = append(lines, b)
		buf.Write(b)
		buf.WriteByte('\n')
	}
	root := blockRoot(l.Key, prev, lines)
	b, _ := json.Marshal(checkpointLine{Checkpoint: at.UTC(), Heads: len(heads), Root: root})
	buf.Write(b)
	buf.WriteByte('\n')
	if _, err := f.Write(buf.Bytes()); err != nil {
		return "", fmt.Errorf("write audit checkpoint: %w", err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("sync audit checkpoint: %w", err)
	}
	return root, nil
}

// lastRoot is the root of the last complete block of f ("" for none): the
// file's tail is read backwards until a checkpoint line is found.
func lastRoot(f *os.File) (string, error) {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return "", err
	}
	const chunk = 64 << 10
	var tail []byte
	for off := size; off > 0; {
		n := min(int64(chunk), off)
		off -= n
		buf := make([]byte, n)
		if _, err := f.ReadAt(buf, off); err != nil {
			return "", fmt.Errorf("read audit checkpoint file: %w", err)
		}
		tail = append(buf, tail...)
		lines := bytes.Split(tail, []byte{'\n'})
		for i := len(lines) - 1; i >= 0; i-- {
			if i == 0 && off > 0 {
				break // maybe cut: read more first
			}
			var c checkpointLine
			if bytes.HasPrefix(lines[i], []byte(`{"checkpoint"`)) && json.Unmarshal(lines[i], &c) == nil {
				return c.Root, nil
			}
		}
	}
	return "", nil
}

// State is what the checkpoint file holds: every timeline's head as of its
// last checkpoint, and the roots of its blocks.
type State struct {
	Heads map[string]store.Head
	Roots []string
	Last  time.Time
}

// ReadLog replays the checkpoint file at path, checking each block's root
// under key. A missing file is an empty state; a block whose root does
// not match is an error naming it (the file was edited, or the key is
// another). Head lines after the last checkpoint line (a crash while
// writing) are ignored: they were never marked checkpointed.
func ReadLog(path string, key []byte) (*State, error) {
	st := &State{Heads: map[string]store.Head{}}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit checkpoint file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var pending []headLine
	var lines [][]byte
	prev := ""
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := sc.Bytes()
		if bytes.HasPrefix(line, []byte(`{"checkpoint"`)) {
			var c checkpointLine
			if err := json.Unmarshal(line, &c); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, lineNo, err)
			}
			if want := blockRoot(key, prev, lines); !hmac.Equal([]byte(want), []byte(c.Root)) || c.Heads != len(pending) {
				return nil, fmt.Errorf("%s:%d: the checkpoint of %s does not match its heads under this audit key: the file was changed, or the key is not the one it was written with",
					path, lineNo, c.Checkpoint.Format(time.RFC3339))
			}
			for _, h := range pending {
				st.Heads[h.Subject] = store.Head{Subject: h.Subject, N: h.N, Hash: h.Hash}
			}
			st.Roots = append(st.Roots, c.Root)
			st.Last = c.Checkpoint
			prev, pending, lines = c.Root, pending[:0], lines[:0]
			continue
		}
		var h headLine
		if err := json.Unmarshal(line, &h); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, lineNo, err)
		}
		pending = append(pending, h)
		lines = append(lines, append([]byte(nil), line...))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return st, nil
}

// Checkpoint writes every timeline head changed since the last checkpoint
// to the log, claimed from db in batches so that several processes never
// write one head twice at once; it returns how many heads it wrote and
// the root of the last block (empty when nothing changed).
func Checkpoint(ctx context.Context, db *store.DB, log *Log) (int, string, error) {
	const batch = 5000
	total, root := 0, ""
	for {
		n, err := db.ClaimHeads(ctx, batch, func(heads []store.Head) error {
			r, err := log.Append(heads, time.Now())
			root = r
			return err
		})
		total += n
		if err != nil || n < batch {
			return total, root, err
		}
	}
}

// Worker checkpoints every interval until ctx ends, and once more then.
func Worker(ctx context.Context, db *store.DB, log *Log, interval time.Duration, logger *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			if _, _, err := Checkpoint(final, db, log); err != nil {
				logger.Warn("audit checkpoint at shutdown", "err", err)
			}
			cancel()
			return
		case <-t.C:
			if n, _, err := Checkpoint(ctx, db, log); err != nil {
				logger.Warn("audit checkpoint", "err", err)
			} else if n > 0 {
				logger.Debug("audit checkpoint", "heads", n)
			}
		}
	}
}
