// Package live runs the routing engine against the database: it keeps the
// current policy (stored versions, or the file given at start), builds the
// partner directory, and advances durable round-robin rotations inside the
// capture transaction. It implements intake.Router.
package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/routing"
	"github.com/leadrouter/leadrouter/store"
)

// Router is the store-backed router.
type Router struct {
	db *store.DB
	mu sync.RWMutex
	// policy is the policy in force and its stored version (0: built in or
	// from --policy without storing).
	policy  *routing.Policy
	version int64
	source  string
	// directory is cached briefly: partners change rarely, leads often.
	dirMu     sync.Mutex
	dir       routing.Directory
	dirLoaded time.Time

	// Conflicts, when set, shows partners' competing claims in Explain.
	Conflicts Conflicts
}

// Conflicts is what explain needs of channel conflicts (conflict.Service).
type Conflicts interface {
	Claims(ctx context.Context, tx *store.Tx, lead leadrouter.Lead, accountOwnerPartnerID string) ([]leadrouter.Claim, error)
	Decide(lead *leadrouter.Lead, claims []leadrouter.Claim, now time.Time) *leadrouter.Conflict
}

// New returns a router using the newest stored policy, or the one in
// policySource (the --policy file) which is then stored as a new version
// if it differs, or else the built-in default.
func New(ctx context.Context, db *store.DB, policySource []byte, by string) (*Router, error) {
	r := &Router{db: db}
	var stored leadrouter.PolicyVersion
	err := db.View(ctx, func(tx *store.Tx) error {
		var err error
		stored, err = tx.CurrentPolicy(ctx)
		return err
	})
	if err != nil && leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
		return nil, err
	}
	src := string(policySource)
	switch {
	case src != "" && src != stored.Source:
		if _, err := r.Replace(ctx, src, by); err != nil {
			return nil, err
		}
		return r, nil
	case stored.Source != "":
		src = stored.Source
	default:
		src = string(routing.DefaultPolicyYAML)
	}
	p, err := routing.ParsePolicy([]byte(src))
	if err != nil {
		return nil, fmt.Errorf("routing policy: %w", err)
	}
	r.policy, r.version, r.source = p, stored.Version, src
	return r, nil
}

// Policy returns the policy in force, its version and its YAML source.
func (r *Router) Policy() (*routing.Policy, int64, string) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.policy, r.version, r.source
}

// MQLThreshold is the MQL threshold of the policy in force (lifecycle's
// Policy).
func (r *Router) MQLThreshold() int {
	p, _, _ := r.Policy()
	return p.MQLThreshold()
}

// Replace validates src and stores it as the new policy version.
func (r *Router) Replace(ctx context.Context, src, by string) (int64, error) {
	p, err := routing.ParsePolicy([]byte(src))
	if err != nil {
		return 0, policyError(err)
	}
	var version int64
	if err := r.db.Update(ctx, func(tx *store.Tx) error {
		var err error
		if version, err = tx.SavePolicy(ctx, src, by); err != nil {
			return err
		}
		_, err = tx.AppendEvent(ctx, "policy", leadrouter.EventPolicyChanged, leadrouter.Actor{UserID: by}, map[string]any{"version": version})
		return err
	}); err != nil {
		return 0, err
	}
	r.mu.Lock()
	r.policy, r.version, r.source = p, version, src
	r.mu.Unlock()
	r.InvalidateDirectory() // tier weights may have changed
	return version, nil
}

// policyError turns a policy's problems into one EINVALID error listing
// each problem with its line.
func policyError(err error) error {
	e := &leadrouter.Error{Code: leadrouter.EINVALID, Message: "The routing policy is invalid: " + err.Error()}
	var list routing.PolicyErrors
	if errors.As(err, &list) {
		for _, pe := range list {
			field := "policy"
			if pe.Field != "" {
				field = "policy." + pe.Field
			}
			e.Fields = append(e.Fields, leadrouter.FieldError{Field: field, Message: fmt.Sprintf("line %d: %s", pe.Line, pe.Message)})
		}
	}
	if len(e.Fields) == 0 {
		e.Fields = []leadrouter.FieldError{{Field: "policy", Message: err.Error()}}
	}
	return e
}

// Reload picks up a policy stored by another server process.
func (r *Router) Reload(ctx context.Context) error {
	var stored leadrouter.PolicyVersion
	err := r.db.View(ctx, func(tx *store.Tx) error {
		var err error
		stored, err = tx.CurrentPolicy(ctx)
		return err
	})
	if err != nil {
		if leadrouter.ErrorCode(err) == leadrouter.ENOTFOUND {
			return nil
		}
		return err
	}
	r.mu.RLock()
	same := stored.Version == r.version
	r.mu.RUnlock()
	if same {
		return nil
	}
	p, err := routing.ParsePolicy([]byte(stored.Source))
	if err != nil {
		return fmt.Errorf("stored policy version %d: %w", stored.Version, err)
	}
	r.mu.Lock()
	r.policy, r.version, r.source = p, stored.Version, stored.Source
	r.mu.Unlock()
	return nil
}

// InvalidateDirectory makes the next routing re-read partners and queues.
func (r *Router) InvalidateDirectory() {
	r.dirMu.Lock()
	r.dirLoaded = time.Time{}
	r.dirMu.Unlock()
}

// directory returns the partners and queue users, re-read at most every
// two seconds (and at once after InvalidateDirectory).
func (r *Router) directory(ctx context.Context, tx *store.Tx) (routing.Directory, error) {
	r.dirMu.Lock()
	defer r.dirMu.Unlock()
	if time.Since(r.dirLoaded) < 2*time.Second {
		return r.dir, nil
	}
	policy, _, _ := r.Policy()
	dir, err := LoadDirectory(ctx, tx, policy)
	if err != nil {
		return dir, err
	}
	r.dir, r.dirLoaded = dir, time.Now()
	return dir, nil
}

// LoadDirectory reads the routing directory from the database: every
// partner with territory, weight (times its tier's weight in policy, if
// given) and cap; the sales users as the inside-sales queue.
func LoadDirectory(ctx context.Context, tx *store.Tx, policy *routing.Policy) (routing.Directory, error) {
	partners, err := tx.AllPartners(ctx)
	if err != nil {
		return routing.Directory{}, err
	}
	if policy != nil {
		for i := range partners {
			partners[i].Weight = min(max(partners[i].Weight, 1)*policy.TierWeight(partners[i].Tier), 1000)
		}
	}
	sales, err := tx.UsersByRole(ctx, leadrouter.RoleSales)
	if err != nil {
		return routing.Directory{}, err
	}
	return routing.NewDirectory(partners, map[string][]string{"inside-sales": sales}), nil
}

// Route implements intake.Router.
func (r *Router) Route(ctx context.Context, tx *store.Tx, in intake.RouteInput) (leadrouter.Decision, error) {
	policy, version, _ := r.Policy()
	dir, err := r.directory(ctx, tx)
	if err != nil {
		return leadrouter.Decision{}, err
	}
	facts := routing.Facts{AccountOwnerPartnerID: in.AccountOwnerPartnerID, Exclude: in.Exclude, ExcludeReasons: in.ExcludeReasons}
	dec, err := routing.Route(ctx, policy, dir, routing.Input{Lead: *in.Lead, Facts: facts}, txRotation{tx})
	dec.PolicyVersion = version
	return dec, err
}

// Rescore implements intake.Router.
func (r *Router) Rescore(ctx context.Context, tx *store.Tx, l *leadrouter.Lead) (int, bool, error) {
	policy, _, _ := r.Policy()
	score, _ := routing.Score(policy, routing.Input{Lead: *l})
	return score, score >= policy.MQLThreshold(), nil
}

// Reroute re-runs routing for an existing lead without the given partners
// (a reassignment request), advancing rotations in tx. The trace comes as
// a timeline stores it (routing.StoreTrace), for the event's "steps".
func (r *Router) Reroute(ctx context.Context, tx *store.Tx, l leadrouter.Lead, exclude []string) (leadrouter.Owner, string, any, error) {
	accountOwner := ""
	if l.AccountID != "" {
		var err error
		if accountOwner, err = tx.HierarchyOwner(ctx, l.AccountID); err != nil {
			return leadrouter.Owner{}, "", nil, err
		}
	}
	l.CreditedPartnerID = "" // a reassignment never re-reserves
	// A self-referral is never routed to the partner it named, at capture
	// or later: the timeline's self_referral events name it.
	events, err := tx.Timeline(ctx, l.ID)
	if err != nil {
		return leadrouter.Owner{}, "", nil, err
	}
	reasons := map[string]string{}
	exclude = exclude[:len(exclude):len(exclude)] // appended to below: not the caller's array
	for _, e := range events {
		if e.Type != leadrouter.EventSelfReferral {
			continue
		}
		var data struct {
			PartnerID string `json:"partner_id"`
			Reason    string `json:"reason"`
		}
		if json.Unmarshal(e.Data, &data) == nil && data.PartnerID != "" {
			exclude = append(exclude, data.PartnerID)
			reasons[data.PartnerID] = data.Reason
		}
	}
	dec, err := r.Route(ctx, tx, intake.RouteInput{Lead: &l, AccountOwnerPartnerID: accountOwner, Exclude: exclude, ExcludeReasons: reasons})
	if err != nil {
		return leadrouter.Owner{}, "", nil, err
	}
	return dec.Owner, dec.Rule, routing.StoreTrace(dec.Trace), nil
}

// txRotation is routing.Rotation on the database, inside a transaction.
type txRotation struct{ tx *store.Tx }

func (t txRotation) Next(ctx context.Context, key string) (int64, error) {
	return t.tx.NextRotation(ctx, key)
}

func (t txRotation) AssignedToday(ctx context.Context, key, assigneeID string) (int, error) {
	return t.tx.AssignedToday(ctx, key, assigneeID, t.tx.Now().Format("2006-01-02"))
}

func (t txRotation) Record(ctx context.Context, key, assigneeID string) error {
	return t.tx.RecordAssignment(ctx, key, assigneeID, t.tx.Now().Format("2006-01-02"))
}
