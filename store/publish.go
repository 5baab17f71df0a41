package store

import (
	"context"
	"fmt"

	"github.com/leadrouter/leadrouter"
)

// PublishEvent publishes a webhook event that has no timeline event of its
// own (the timeline records the change under another type): the event is
// rendered exactly as an appended event of type typ would be, and appended
// to subject's chain as an EventPublished event, which timelines as read
// leave out. A type that publishes no webhook writes nothing.
func (tx *Tx) PublishEvent(ctx context.Context, subject, typ string, actor leadrouter.Actor, data any) error {
	name, ok := leadrouter.WebhookEvent(leadrouter.Event{Subject: subject, Type: typ})
	if !ok {
		return nil
	}
	raw, err := leadrouter.PublishedData(name, data)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", typ, err)
	}
	_, err = tx.AppendEvents(ctx, subject, actor, NewEvent{Type: leadrouter.EventPublished, Data: raw})
	return err
}
