package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/leadrouter/leadrouter"
)

// PublishEvent writes the outbox rows of a webhook event that has no
// timeline event of its own (the timeline records the change under another
// type): the event is rendered exactly as an appended event of type typ
// would be, in the caller's transaction. A type that publishes no webhook
// writes nothing.
func (tx *Tx) PublishEvent(ctx context.Context, subject, typ string, actor leadrouter.Actor, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", typ, err)
	}
	return tx.enqueueWebhooks(ctx, leadrouter.Event{Subject: subject, Type: typ, Actor: actor.Label(), Data: raw, At: tx.now})
}
