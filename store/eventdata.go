package store

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/leadrouter/leadrouter"
)

// On SQLite an event's data is stored packed when that is shorter: zstd
// against a fixed dictionary of typical event data (eventdict1.txt), which
// takes a routing decision of about 400 bytes to under 100 and most other
// events to half or less. The hash covers the JSON, not what is stored, so
// packing changes nothing the audit checks, and rows written before
// (text) are read as they are. PostgreSQL stores the JSON text.
//
// Packed data is a BLOB whose first byte is packedV1, followed by a zstd
// frame without its 4-byte magic number. JSON text never starts with that
// byte. A later dictionary takes a new first byte; eventdict1.txt may
// never change (TestEventDictionaryIsFrozen), as the data packed with it
// could not be read.
//
// SQL cannot read packed data: the types a webhook source picks by their
// data (pendingEvents counts them in SQL) are always stored as text, and
// a migration that reads events.data must do so in Go.
const packedV1 = 0x01

//go:embed eventdict1.txt
var eventDict1 []byte

var zstdMagic = [4]byte{0x28, 0xb5, 0x2f, 0xfd}

// maxEventData bounds what one packed event may unpack to.
const maxEventData = 16 << 20

// eventCodec is made on first use: a PostgreSQL server never needs it.
var eventCodec = sync.OnceValues(func() (*zstd.Encoder, *zstd.Decoder) {
	// Event data is small: a small window and the low-memory modes keep
	// the codec at about 2 MB where the defaults take about 20.
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderDictRaw(1, eventDict1), zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderCRC(false), zstd.WithZeroFrames(true), zstd.WithWindowSize(1<<16), zstd.WithLowerEncoderMem(true))
	if err != nil {
		panic(fmt.Sprintf("event data encoder: %v", err))
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderDictRaw(1, eventDict1), zstd.WithDecoderMaxMemory(maxEventData),
		zstd.WithDecoderLowmem(true), zstd.WithDecoderConcurrency(2))
	if err != nil {
		panic(fmt.Sprintf("event data decoder: %v", err))
	}
	return enc, dec
})

// textEventTypes are the event types whose data a webhook source matches
// (leadrouter.WebhookSource.DataPrefix, DataContains): stored as text.
var textEventTypes = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range leadrouter.WebhookSources() {
		if s.DataPrefix != "" || s.DataContains != "" {
			m[s.Type] = true
		}
	}
	return m
}()

// minPacked is the shortest data worth packing: a frame's header and the
// marker take about ten bytes.
const minPacked = 24

// eventData is raw, an event's data of type typ, as the engine stores it.
func (tx *Tx) eventData(typ string, raw []byte) any {
	if tx.db.engine != SQLite {
		return string(raw)
	}
	return packEventData(typ, raw)
}

func packEventData(typ string, raw []byte) any {
	if len(raw) < minPacked || textEventTypes[typ] {
		return string(raw)
	}
	enc, _ := eventCodec()
	frame := enc.EncodeAll(raw, make([]byte, 0, len(raw)))
	packed := frame[len(zstdMagic)-1:]
	if len(packed) >= len(raw) {
		return string(raw)
	}
	packed[0] = packedV1
	return packed
}

// storedData scans events.data as either form is stored: JSON text, or
// packed (see packedV1).
type storedData []byte

func (d *storedData) Scan(v any) error {
	switch v := v.(type) {
	case string:
		*d = storedData(v)
	case []byte:
		if len(v) == 0 || v[0] != packedV1 {
			*d = bytes.Clone(v)
			return nil
		}
		frame := make([]byte, 0, len(zstdMagic)+len(v)-1)
		frame = append(append(frame, zstdMagic[:]...), v[1:]...)
		_, dec := eventCodec()
		raw, err := dec.DecodeAll(frame, nil)
		if err != nil {
			return fmt.Errorf("unpack an event's data: %w", err)
		}
		*d = raw
	default:
		return fmt.Errorf("an event's data stored as %T", v)
	}
	return nil
}
