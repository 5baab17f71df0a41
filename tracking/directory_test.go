package tracking

import (
	"context"
	"testing"
	"time"
)

func TestDirectoryRunRefreshes(t *testing.T) {
	partners := &fakePartners{}
	dir := NewDirectory(partners, 5*time.Millisecond, nil)
	if _, ok := dir.Lookup("BERLIN01"); ok {
		t.Fatal("an empty directory knows BERLIN01")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		dir.Run(ctx)
	}()
	partners.set(PartnerInfo{ID: "ptr_berlin", PID: "berlin01", Active: true})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if id, ok := dir.Lookup("Berlin01"); ok {
			if id != "ptr_berlin" {
				t.Fatalf("Lookup = %q", id)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not pick up the new partner")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
}

func TestDirectoryLookup(t *testing.T) {
	partners := &fakePartners{partners: []PartnerInfo{
		{ID: "ptr_a", PID: "ABC123", Active: true},
		{ID: "ptr_b", PID: "bad pid", Active: true},
		{ID: "ptr_c", PID: "SUSP01", Active: false},
	}}
	dir := NewDirectory(partners, 0, nil)
	if err := dir.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		pid, want string
		ok        bool
	}{
		{"ABC123", "ptr_a", true},
		{"abc123", "ptr_a", true},
		{"aBc123", "ptr_a", true},
		{"SUSP01", "", false},
		{"bad pid", "", false},
		{"ABC12", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got, ok := dir.Lookup(tt.pid); got != tt.want || ok != tt.ok {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.pid, got, ok, tt.want, tt.ok)
		}
	}
	if dir.Len() != 1 {
		t.Errorf("Len = %d, want 1", dir.Len())
	}
}
