package lookup

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/routing"
	"github.com/leadrouter/leadrouter/store"
)

// expandEvents renders, in place, the compact events of lead l's timeline
// as they read: lead_created with the lead's fields
// (leadrouter.CreatedEventData), and a routing decision stored as codes
// ("steps", routing.StoreTrace) with its trace in words under "trace",
// the partners named by today's names. Events written in the verbose form
// before stay as they are.
func expandEvents(ctx context.Context, tx *store.Tx, l leadrouter.Lead, events []leadrouter.Event) error {
	type compact struct {
		i     int
		data  map[string]json.RawMessage
		steps []routing.StoredStep
	}
	var decisions []compact
	var ids []string
	for i, e := range events {
		if e.Type == leadrouter.EventCreated {
			events[i].Data = leadrouter.CreatedEventData(l, e.Data)
			continue
		}
		if !strings.Contains(string(e.Data), `"steps"`) {
			continue
		}
		var data map[string]json.RawMessage
		var steps []routing.StoredStep
		if json.Unmarshal(e.Data, &data) != nil || data["steps"] == nil || json.Unmarshal(data["steps"], &steps) != nil {
			continue
		}
		decisions = append(decisions, compact{i, data, steps})
		for _, id := range routing.TracePartnerIDs(steps) {
			if !strings.HasPrefix(id, "usr_") {
				ids = append(ids, id)
			}
		}
	}
	if len(decisions) == 0 {
		return nil
	}
	names, err := tx.PartnerNames(ctx, ids)
	if err != nil {
		return err
	}
	name := func(id string) (string, bool) {
		n := names[id]
		return n, n != ""
	}
	for _, d := range decisions {
		trace, err := json.Marshal(routing.RenderTrace(d.steps, name))
		if err != nil {
			return fmt.Errorf("render trace: %w", err)
		}
		delete(d.data, "steps")
		d.data["trace"] = trace
		if events[d.i].Data, err = json.Marshal(d.data); err != nil {
			return fmt.Errorf("render trace: %w", err)
		}
	}
	return nil
}
