package live_test

import (
	"context"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter/routing"
	"github.com/leadrouter/leadrouter/routing/live"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestMQLThresholdFollowsPolicyInForce: the threshold lifecycle reads is
// the live router's parsed policy; a version stored by another router (as
// another server process would) is seen after Reload, and New starts from
// the newest stored version.
func TestMQLThresholdFollowsPolicyInForce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		one, err := live.New(ctx, db, nil, "test")
		if err != nil {
			t.Fatal(err)
		}
		other, err := live.New(ctx, db, nil, "test")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := one.MQLThreshold(), routing.DefaultPolicy().MQLThreshold(); got != want {
			t.Fatalf("built-in threshold %d, want %d", got, want)
		}
		lowered := strings.Replace(string(routing.DefaultPolicyYAML), "threshold: 50", "threshold: 20", 1)
		if _, err := one.Replace(ctx, lowered, "test"); err != nil {
			t.Fatal(err)
		}
		if got := one.MQLThreshold(); got != 20 {
			t.Fatalf("after Replace: %d, want 20", got)
		}
		if got := other.MQLThreshold(); got != 50 {
			t.Fatalf("the other router before Reload: %d, want 50", got)
		}
		if err := other.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		if got := other.MQLThreshold(); got != 20 {
			t.Fatalf("the other router after Reload: %d, want 20", got)
		}
		fresh, err := live.New(ctx, db, nil, "test")
		if err != nil {
			t.Fatal(err)
		}
		if _, version, _ := fresh.Policy(); fresh.MQLThreshold() != 20 || version == 0 {
			t.Fatalf("a new router: threshold %d version %d", fresh.MQLThreshold(), version)
		}
	})
}
