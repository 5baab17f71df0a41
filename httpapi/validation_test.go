package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// rawCall sends body as it is (it may be malformed JSON) as the named
// fixture user and returns the status, the Content-Type and the answer
// decoded as an object.
func (w *lcWorld) rawCall(who, method, path, body string) (int, string, map[string]any) {
	w.t.Helper()
	status, header, _, out := w.send(who, method, path, strings.NewReader(body))
	return status, header.Get("Content-Type"), out
}

// mustInvalid sends body and fails unless the answer is a 422 problem
// whose errors name exactly the fields want (in any order).
func (w *lcWorld) mustInvalid(who, method, path, body string, want ...string) map[string]any {
	w.t.Helper()
	status, ctype, out := w.rawCall(who, method, path, body)
	got := problemFields(out)
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if status != http.StatusUnprocessableEntity || ctype != "application/problem+json" || !slices.Equal(got, want) {
		w.t.Fatalf("%s %s %s = %d %s %v, want 422 problem naming %v", method, path, body, status, ctype, out, want)
	}
	return out
}

// problemFields lists the fields of a problem document's errors.
func problemFields(problem map[string]any) []string {
	var fields []string
	errs, _ := problem["errors"].([]any)
	for _, e := range errs {
		f, _ := e.(map[string]any)
		name, _ := f["field"].(string)
		fields = append(fields, name)
	}
	return fields
}

// count returns the number of items a list answers (one page of 500).
func (w *lcWorld) count(path string) int {
	w.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	out := w.must(http.StatusOK, "admin", "GET", path+sep+"limit=500", nil)
	items, _ := out["items"].([]any)
	return len(items)
}

// TestPartnerValidationAPI: a pseudo-country is a 422 naming the field,
// not a 500 from the database; every offending field of a partner (values
// of the wrong type, the PAM and free-mail domains included) comes back in
// one 422; nothing is written.
func TestPartnerValidationAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		w := newLCWorld(t, engine)
		pam, sales := w.f.Users["pam1"].ID, w.f.Users["sales"].ID
		before := w.count("/api/v1/partners")

		out := w.mustInvalid("admin", "POST", "/api/v1/partners",
			`{"name":"V1","countries":["XX"],"tier":"gold","pam_user_id":"`+pam+`","domains":["v1.de"]}`, "countries[0]")
		if !strings.Contains(out["errors"].([]any)[0].(map[string]any)["message"].(string), "XX") {
			t.Errorf("the message does not quote the country: %v", out)
		}
		w.mustInvalid("admin", "POST", "/api/v1/partners",
			`{"name":"","countries":["DE","International"],"tier":"gold","pam_user_id":"`+sales+`","domains":["v1.de","gmail.com","not a domain"],"weight":-1}`,
			"name", "countries[1]", "domains[1]", "domains[2]", "weight", "pam_user_id")
		w.mustInvalid("admin", "POST", "/api/v1/partners",
			`{"name":"","countries":"DE","weight":"heavy","pam_user_id":"usr_nobody","domains":["yahoo.co.uk"]}`,
			"countries", "weight", "name", "pam_user_id", "domains[0]")
		if n := w.count("/api/v1/partners"); n != before {
			t.Fatalf("%d partners after refused creations, want %d", n, before)
		}

		created := w.must(http.StatusCreated, "admin", "POST", "/api/v1/partners",
			map[string]any{"name": "V1", "countries": []string{"DEU", "Austria", "fr"}, "tier": "gold", "pam_user_id": pam, "domains": []string{"v1.de"}})
		if got, _ := json.Marshal(created["countries"]); string(got) != `["DE","AT","FR"]` {
			t.Fatalf("countries = %s", got)
		}

		id := created["id"].(string)
		w.mustInvalid("admin", "PATCH", "/api/v1/partners/"+id, `{"name":"","countries":["None"],"pam_user_id":"`+sales+`"}`,
			"name", "countries[0]", "pam_user_id")
		w.mustInvalid("admin", "PATCH", "/api/v1/partners/"+id, `{"weight":"x","status":"bogus","countries":["XW"]}`,
			"weight", "status", "countries[0]")
		if got := w.must(http.StatusOK, "admin", "GET", "/api/v1/partners/"+id, nil); got["name"] != "V1" || got["status"] != "active" {
			t.Fatalf("a refused update changed the partner: %v", got)
		}
	})
}

// TestLeadValidationListsEveryField: a value of the wrong JSON type does
// not hide the submission's other offending fields; pseudo-countries are
// refused; malformed bodies stay 400.
func TestLeadValidationListsEveryField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		w := newLCWorld(t, engine)
		before := w.count("/api/v1/leads")

		out := w.mustInvalid("admin", "POST", "/api/v1/leads",
			`{"email":"x@","country":"ZZ","source":"fax","pid":"!!","first_name":123}`,
			"first_name", "email", "country", "source", "pid", "last_name")
		if errs := out["errors"].([]any); errs[0].(map[string]any)["field"] != "first_name" ||
			errs[0].(map[string]any)["message"] != "must be a string, not number" {
			t.Errorf("the type error comes first and says what was expected: %v", errs)
		}
		w.mustInvalid("support", "POST", "/api/v1/leads",
			`{"last_name":"Tyrell","email":"eldon@tyrell.example","consent_share":"yes","country":"XX"}`, "consent_share", "country")
		w.mustInvalid("support", "POST", "/api/v1/leads",
			`{"last_name":"Tyrell","email":5,"company_size":"big","utm":[],"country":"DE"}`, "email", "company_size", "utm")
		for _, country := range []string{"International", "None", "XX", "Unknown"} {
			w.mustInvalid("admin", "POST", "/api/v1/leads", `{"last_name":"Tyrell","email":"eldon@tyrell.example","country":"`+country+`"}`, "country")
		}
		// Explain decodes its lead the same way.
		w.mustInvalid("admin", "POST", "/api/v1/routing/explain",
			`{"lead":{"email":"x@","country":"ZZ","first_name":123,"last_name":"T"}}`, "first_name", "email", "country")
		if status, _, out := w.rawCall("admin", "POST", "/api/v1/routing/explain", `{"lead":5}`); status != http.StatusBadRequest {
			t.Errorf("explain with a number for a lead: %d %v, want 400", status, out)
		}
		// Other create endpoints list type errors with their validation.
		w.mustInvalid("admin", "POST", "/api/v1/accounts", `{"name":"","domains":"tyrell.example","country":"XX"}`, "name", "domains", "country")
		w.mustInvalid("admin", "POST", "/api/v1/users", `{"email":"x@","name":7,"role":"boss"}`, "email", "name", "role")
		w.mustInvalid("admin", "POST", "/api/v1/forms", `{"slug":"Bad Slug","kind":1,"success_url":"ftp://x"}`, "slug", "kind", "success_url")
		// The records a request names are checked with the rest, not after.
		w.mustInvalid("admin", "POST", "/api/v1/accounts", `{"name":"","domains":["x y"],"country":"DE","parent_id":"acc_nope","owner_partner_id":"ptr_nope"}`,
			"name", "domains", "parent_id", "owner_partner_id")
		w.mustInvalid("admin", "POST", "/api/v1/users", `{"email":"bad","name":"N","role":"partner","partner_id":"ptr_nope"}`, "email", "partner_id")
		w.mustInvalid("admin", "POST", "/api/v1/forms", `{"slug":"Bad Slug","kind":"event","success_url":"/thanks","partner_id":"ptr_nope"}`, "slug", "partner_id")

		for _, body := range []string{`{"email":`, `[1,2]`, `"lead"`, `{"last_name":"T"} {}`, ``} {
			if status, ctype, out := w.rawCall("admin", "POST", "/api/v1/leads", body); status != http.StatusBadRequest || ctype != "application/problem+json" {
				t.Errorf("body %q: %d %s %v, want a 400 problem", body, status, ctype, out)
			}
		}
		if status, _, out := w.rawCall("admin", "POST", "/api/v1/partners", `[]`); status != http.StatusBadRequest {
			t.Errorf("partners, a JSON array: %d %v, want 400", status, out)
		}
		if n := w.count("/api/v1/leads"); n != before {
			t.Fatalf("%d leads after refused submissions, want %d", n, before)
		}
	})
}

// TestListParamsRefused: an unknown lead status and a cursor that is no id
// of the list are 422 problems naming the parameter, not empty pages; a
// next_cursor still pages.
func TestListParamsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		w := newLCWorld(t, engine)
		w.mustInvalid("admin", "GET", "/api/v1/leads?status=bogus", "", "status")
		w.mustInvalid("support", "GET", "/api/v1/leads?cursor=garbage", "", "cursor")
		w.mustInvalid("admin", "GET", "/api/v1/leads?status=Open&cursor=garbage&limit=0", "", "status", "cursor", "limit")
		w.must(http.StatusOK, "admin", "GET", "/api/v1/leads?status=qualified&cursor="+leadrouter.NewID("lead"), nil)
		w.mustInvalid("admin", "GET", "/api/v1/users?role=boss&cursor=x", "", "role", "cursor")
		if got := w.count("/api/v1/users?role=pam"); got != 2 {
			t.Errorf("users?role=pam: %d, want the fixture's 2", got)
		}

		for path, prefix := range map[string]string{"/api/v1/partners": "ptr", "/api/v1/users": "usr", "/api/v1/accounts": "acc",
			"/api/v1/opportunities": "opp", "/api/v1/reassignment-requests": "rar"} {
			w.mustInvalid("admin", "GET", path+"?cursor=garbage", "", "cursor")
			w.mustInvalid("admin", "GET", path+"?cursor="+url.QueryEscape(leadrouter.NewID("lead")), "", "cursor")
			w.must(http.StatusOK, "admin", "GET", path+"?cursor="+leadrouter.NewID(prefix), nil)
		}

		// The fixture's three partners, two at a time.
		first := w.must(http.StatusOK, "admin", "GET", "/api/v1/partners?limit=2", nil)
		next, _ := first["next_cursor"].(string)
		if next == "" {
			t.Fatalf("no next_cursor: %v", first)
		}
		second := w.must(http.StatusOK, "admin", "GET", "/api/v1/partners?limit=2&cursor="+next, nil)
		if items, _ := second["items"].([]any); len(items) != 1 {
			t.Fatalf("second page: %v", second)
		}
	})
}

// TestRegistrationListCursor: the registrations list shares the cursor
// check.
func TestRegistrationListCursor(t *testing.T) {
	db := storetest.MustOpen(t, store.SQLite)
	srv := regServer(t, db)
	w := newRegWorld(t, db, srv.URL, 1)
	if status, out := w.staff("relations")("GET", "/api/v1/registrations?cursor=garbage", nil); status != http.StatusUnprocessableEntity ||
		!slices.Equal(problemFields(out), []string{"cursor"}) {
		t.Fatalf("garbage cursor: %d %v", status, out)
	}
	if status, out := w.as(0)("GET", "/api/v1/registrations?cursor="+leadrouter.NewID("reg"), nil); status != http.StatusOK {
		t.Fatalf("a registration id as cursor: %d %v", status, out)
	}
}

// TestSupportReadsPartners: the support desk is read-only on partners (it
// tells callers who owns a lead): it lists and reads them, and may not
// change or create one.
func TestSupportReadsPartners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		w := newLCWorld(t, engine)
		list := w.must(http.StatusOK, "support", "GET", "/api/v1/partners", nil)
		if len(list["items"].([]any)) == 0 {
			t.Fatalf("support's partner list is empty: %v", list)
		}
		id := w.f.Partner("P1").ID
		w.must(http.StatusOK, "support", "GET", "/api/v1/partners/"+id, nil)
		w.must(http.StatusForbidden, "support", "PATCH", "/api/v1/partners/"+id, map[string]any{"status": "suspended"})
		w.must(http.StatusForbidden, "support", "POST", "/api/v1/partners", map[string]any{"name": "X", "countries": []string{"DE"}})
	})
}
