package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestTokenLifecycle issues, lists and revokes API tokens: an admin for
// anyone, a user for itself; others get 404; a revoked token is refused
// at once by the server that revoked it; the secret is shown only once.
func TestTokenLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		db := storetest.MustOpen(t, engine)
		srv := regServer(t, db)
		w := newRegWorld(t, db, srv.URL, 2)
		admin, support := w.staff("admin"), w.staff("support")

		status, me := support("GET", "/api/v1/me", nil)
		if status != http.StatusOK {
			t.Fatalf("me: %d %v", status, me)
		}
		supportID := me["id"].(string)

		// Support issues a second token for itself and lists both.
		status, issued := support("POST", "/api/v1/users/"+supportID+"/tokens", nil)
		secret, _ := issued["secret"].(string)
		token, _ := issued["token"].(map[string]any)
		if status != http.StatusCreated || len(secret) < 20 || token["id"] == nil || token["revoked_at"] != nil {
			t.Fatalf("issue: %d %v", status, issued)
		}
		tokenID := token["id"].(string)
		status, list := support("GET", "/api/v1/users/"+supportID+"/tokens", nil)
		items, _ := list["items"].([]any)
		if status != http.StatusOK || len(items) != 2 {
			t.Fatalf("list: %d %v", status, list)
		}
		for _, it := range items {
			for k := range it.(map[string]any) {
				if k == "secret" || k == "hash" {
					t.Fatalf("a listed token shows its %s: %v", k, it)
				}
			}
		}
		if status, _ := w.call(srv.URL, secret, "GET", "/api/v1/me", nil); status != http.StatusOK {
			t.Fatalf("the new token: %d", status)
		}

		// Nobody else but an admin reaches another user's tokens.
		if status, _ := w.as(0)("GET", "/api/v1/users/"+supportID+"/tokens", nil); status != http.StatusNotFound {
			t.Errorf("a partner lists support's tokens: %d", status)
		}
		if status, _ := w.as(0)("DELETE", "/api/v1/tokens/"+tokenID, nil); status != http.StatusNotFound {
			t.Errorf("a partner revokes support's token: %d", status)
		}
		if status, _ := w.staff("relations")("POST", "/api/v1/users/"+supportID+"/tokens", nil); status != http.StatusNotFound {
			t.Errorf("relations issues a token for support: %d", status)
		}
		if status, _ := admin("GET", "/api/v1/users/"+supportID+"/tokens", nil); status != http.StatusOK {
			t.Errorf("the admin lists support's tokens: %d", status)
		}

		// Revoked, the token is refused at once; revoking again changes
		// nothing; an unknown id is 404.
		status, revoked := admin("DELETE", "/api/v1/tokens/"+tokenID, nil)
		if status != http.StatusOK || revoked["revoked_at"] == nil {
			t.Fatalf("revoke: %d %v", status, revoked)
		}
		if status, _ := w.call(srv.URL, secret, "GET", "/api/v1/me", nil); status != http.StatusUnauthorized {
			t.Fatalf("the revoked token: %d, want 401", status)
		}
		if status, again := admin("DELETE", "/api/v1/tokens/"+tokenID, nil); status != http.StatusOK || again["revoked_at"] != revoked["revoked_at"] {
			t.Errorf("revoke again: %d %v", status, again)
		}
		if status, _ := admin("DELETE", "/api/v1/tokens/tok_nope", nil); status != http.StatusNotFound {
			t.Errorf("revoke an unknown token: %d", status)
		}
		// Support's first token still works.
		if status, _ := support("GET", "/api/v1/me", nil); status != http.StatusOK {
			t.Errorf("the other token: %d", status)
		}
	})
}
