package leadrouter

import (
	"context"
	"sync"
)

// Role is what a user may do; see SPEC.md "People and roles".
type Role string

// The roles of SPEC.md.
const (
	RoleAdmin     Role = "admin"
	RolePAM       Role = "pam"
	RoleRelations Role = "relations"
	RoleSupport   Role = "support"
	RoleSales     Role = "sales"
	RolePartner   Role = "partner"
)

// Roles lists every role in a stable order.
var Roles = []Role{RoleAdmin, RolePAM, RoleRelations, RoleSupport, RoleSales, RolePartner}

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	for _, known := range Roles {
		if r == known {
			return true
		}
	}
	return false
}

// Actor is who makes a request: a user with a role and, for partner users,
// the partner they belong to. The zero Actor is the anonymous public.
type Actor struct {
	UserID    string
	Name      string
	Role      Role
	PartnerID string
}

// System is the actor of background jobs and public submissions.
var System = Actor{UserID: "system", Name: "system", Role: RoleAdmin}

// IsPartner reports whether the actor acts for a partner and so only sees
// that partner's records.
func (a Actor) IsPartner() bool { return a.Role == RolePartner }

// IsStaff reports whether the actor is one of the vendor's own roles.
func (a Actor) IsStaff() bool { return a.Role != "" && a.Role != RolePartner }

// Is reports whether the actor's role is one of roles.
func (a Actor) Is(roles ...Role) bool {
	for _, r := range roles {
		if a.Role == r {
			return true
		}
	}
	return false
}

// Label is how the actor appears on timelines.
func (a Actor) Label() string {
	if a.UserID == "" {
		return "public"
	}
	return a.UserID
}

type actorKey struct{}

// NewContextWithActor returns ctx carrying the actor; the ActorHolder ctx
// carries, if any, learns it too.
func NewContextWithActor(ctx context.Context, a Actor) context.Context {
	if h, ok := ctx.Value(actorHolderKey{}).(*ActorHolder); ok {
		h.set(a)
	}
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor in ctx, or the anonymous actor.
func ActorFromContext(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// Require returns EFORBIDDEN unless the actor has one of roles, and
// EUNAUTHORIZED for the anonymous actor.
func (a Actor) Require(roles ...Role) error {
	if a.Role == "" {
		return Errorf(EUNAUTHORIZED, "Authentication required.")
	}
	if !a.Is(roles...) {
		return Errorf(EFORBIDDEN, "Your role (%s) may not do this.", a.Role)
	}
	return nil
}

type actorHolderKey struct{}

// ActorHolder is where a request's actor lands once authentication has
// run, for middleware that wraps authentication and reads the actor after
// the handler (the access log): the handler's context is a child of the
// middleware's, so the middleware cannot see the actor in it.
type ActorHolder struct {
	mu    sync.Mutex
	actor Actor
}

// NewContextWithActorHolder returns ctx carrying a new, empty holder that
// NewContextWithActor fills.
func NewContextWithActorHolder(ctx context.Context) (context.Context, *ActorHolder) {
	h := &ActorHolder{}
	return context.WithValue(ctx, actorHolderKey{}, h), h
}

func (h *ActorHolder) set(a Actor) {
	h.mu.Lock()
	h.actor = a
	h.mu.Unlock()
}

// Actor returns the actor authentication set, or the anonymous actor.
func (h *ActorHolder) Actor() Actor {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.actor
}
