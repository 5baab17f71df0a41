package registration_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/registration"
)

// timeline is an in-memory registration.Timeline.
type timeline map[string][]leadrouter.Event

func (tl timeline) Timeline(_ context.Context, subject string) ([]leadrouter.Event, error) {
	if subject == "reg_broken" {
		return nil, errors.New("broken")
	}
	return tl[subject], nil
}

// TestHasDecision finds a decision among a registration's events, only
// its own, and passes a read error on.
func TestHasDecision(t *testing.T) {
	ev := func(data string) leadrouter.Event {
		return leadrouter.Event{Type: leadrouter.EventRegistration, Data: json.RawMessage(data)}
	}
	tl := timeline{
		"reg_1": {ev(`{"decision":"registered"}`), ev(`{"decision":"` + registration.DecisionExtensionAsked + `"}`)},
		"reg_2": {ev(`{"decision":"registered"}`), ev(`not json`)},
	}
	ctx := context.Background()
	for _, c := range []struct {
		id   string
		want bool
	}{{"reg_1", true}, {"reg_2", false}, {"reg_none", false}} {
		got, err := registration.HasDecision(ctx, tl, c.id, registration.DecisionExtensionAsked)
		if err != nil || got != c.want {
			t.Errorf("%s: %v, %v; want %v", c.id, got, err, c.want)
		}
	}
	if _, err := registration.HasDecision(ctx, tl, "reg_broken", "x"); err == nil {
		t.Error("a read error is lost")
	}
}
