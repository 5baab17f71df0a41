package httpapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// documentedServer is a server with every surface of this package mounted
// (the services are not called: only the registrations matter), plus one
// public route standing for those cmd/leadrouter mounts.
func documentedServer(t *testing.T) *Server {
	t.Helper()
	s := New(Config{Logger: slog.New(slog.DiscardHandler)})
	s.MountLeads(nil)
	s.MountRouting(nil)
	s.MountLifecycle(nil)
	s.MountRegistrations(nil)
	s.MountWebhooks()
	s.MountLinks(nil)
	s.Document("GET /go/{pid}", Doc{Summary: "A short link", Query: []Param{{Name: "to"}}, Success: []int{http.StatusFound}})
	s.HandlePublic("GET /go/{pid}", http.NotFoundHandler())
	return s
}

// servedDocument fetches the document as clients do.
func servedDocument(t *testing.T, s *Server) map[string]any {
	t.Helper()
	srv := httptest.NewServer(s.Handler(0))
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/v1/openapi.json: %d %s", resp.StatusCode, body)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("the document is not JSON: %v", err)
	}
	return doc
}

// obj walks doc along keys, failing when a step is not an object.
func obj(t *testing.T, doc map[string]any, keys ...string) map[string]any {
	t.Helper()
	cur := doc
	for i, k := range keys {
		next, ok := cur[k].(map[string]any)
		if !ok {
			t.Fatalf("no object at %s", strings.Join(keys[:i+1], " → "))
		}
		cur = next
	}
	return cur
}

func operation(t *testing.T, doc map[string]any, pattern string) map[string]any {
	t.Helper()
	method, path, _ := strings.Cut(pattern, " ")
	return obj(t, doc, "paths", path, strings.ToLower(method))
}

// jsonNames lists the names encoding/json gives t's fields, embedded
// structs' fields included.
func jsonNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			names = append(names, jsonNames(f.Type)...)
		case f.IsExported():
			if name == "" {
				name = f.Name
			}
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return slices.Compact(names)
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	s := documentedServer(t)
	doc := servedDocument(t, s)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v", doc["openapi"])
	}
	routes := s.Routes()
	for _, want := range []string{"GET /healthz", "GET /metrics", "GET /api/v1/openapi.json", "GET /go/{pid}", "POST /api/v1/leads"} {
		if !slices.Contains(routes, want) {
			t.Errorf("Routes() lacks %s", want)
		}
	}
	for _, pattern := range routes {
		if _, ok := s.docs[pattern]; !ok {
			t.Errorf("%s is registered without a Doc (add s.Document beside it)", pattern)
		}
		op := operation(t, doc, pattern)
		if summary, _ := op["summary"].(string); summary == "" || summary == pattern {
			t.Errorf("%s has no summary of its own", pattern)
		}
		responses := obj(t, op, "responses")
		method, path, _ := strings.Cut(pattern, " ")
		has2xx, has3xx := false, false
		for status := range responses {
			if len(status) != 3 || status[0] < '1' || status[0] > '5' {
				t.Errorf("%s: response key %q is no status", pattern, status)
			}
			has2xx = has2xx || status[0] == '2'
			has3xx = has3xx || status[0] == '3'
		}
		// A redirect (GET /go/{pid}, 302 only) succeeds with a 3xx; the
		// API's routes all answer a 2xx.
		if !has2xx && (strings.HasPrefix(path, "/api/") || !has3xx) {
			t.Errorf("%s documents no 2xx response", pattern)
		}
		// Every path parameter is declared.
		for _, seg := range strings.Split(path, "/") {
			if strings.HasPrefix(seg, "{") && !hasParam(op, strings.Trim(seg, "{}."), "path") {
				t.Errorf("%s lacks path parameter %s", pattern, seg)
			}
		}
		// Authenticated routes answer 401; routes with a body 400 and 413.
		public := strings.HasPrefix(path, "/go/") || path == "/healthz" || path == "/metrics" || path == "/api/v1/openapi.json"
		if _, ok := responses["401"]; ok == public {
			t.Errorf("%s: 401 documented = %v, public = %v", pattern, ok, public)
		}
		if (method == "POST" || method == "PUT" || method == "PATCH") && op["requestBody"] != nil {
			for _, status := range []string{"400", "413"} {
				if responses[status] == nil {
					t.Errorf("%s takes a body but does not document %s", pattern, status)
				}
			}
		}
	}
	for pattern := range s.docs {
		if !slices.Contains(routes, pattern) {
			t.Errorf("Doc for %s, which is not registered", pattern)
		}
	}
	// Every $ref names a component.
	schemas := obj(t, doc, "components", "schemas")
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, ok := schemas[strings.TrimPrefix(ref, "#/components/schemas/")]; !ok {
					t.Errorf("dangling $ref %s", ref)
				}
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(doc)
}

func hasParam(op map[string]any, name, in string) bool {
	params, _ := op["parameters"].([]any)
	for _, p := range params {
		p, _ := p.(map[string]any)
		if p["name"] == name && p["in"] == in {
			return true
		}
	}
	return false
}

func TestOpenAPIStatuses(t *testing.T) {
	s := documentedServer(t)
	doc := servedDocument(t, s)
	// Routes that create something answer 201: every POST to a collection
	// that is also listed with GET, and these.
	creates := []string{"POST /api/v1/leads/{id}/consent", "POST /api/v1/leads/{id}/convert", "POST /api/v1/leads/{id}/reassignment-requests"}
	for _, pattern := range s.Routes() {
		if path, ok := strings.CutPrefix(pattern, "POST "); ok && slices.Contains(s.Routes(), "GET "+path) {
			creates = append(creates, pattern)
		}
	}
	if len(creates) < 10 {
		t.Fatalf("only %d create routes found: %v", len(creates), creates)
	}
	for _, pattern := range creates {
		if obj(t, operation(t, doc, pattern), "responses")["201"] == nil {
			t.Errorf("%s does not document 201", pattern)
		}
	}
	for pattern, statuses := range map[string][]string{
		"POST /api/v1/leads":                     {"200", "201", "409", "422"},
		"POST /api/v1/partners":                  {"201", "403", "409", "422"},
		"POST /api/v1/registrations/{id}/extend": {"200", "404", "409"},
		"GET /api/v1/partners/{id}/links":        {"200", "404", "409", "422"},
		"GET /go/{pid}":                          {"302"},
		"GET /healthz":                           {"200", "503"},
		"PUT /api/v1/routing/policy":             {"200", "400", "413", "422"},
	} {
		responses := obj(t, operation(t, doc, pattern), "responses")
		for _, status := range statuses {
			if responses[status] == nil {
				t.Errorf("%s does not document %s", pattern, status)
			}
		}
	}
}

func TestOpenAPIParametersAndBodies(t *testing.T) {
	doc := servedDocument(t, documentedServer(t))

	leads := operation(t, doc, "GET /api/v1/leads")
	for _, name := range []string{"email", "company", "status", "owner", "limit", "cursor"} {
		if !hasParam(leads, name, "query") {
			t.Errorf("GET /api/v1/leads lacks query parameter %s", name)
		}
	}
	for pattern, names := range map[string][]string{
		"GET /api/v1/matches":             {"email", "company", "domain"},
		"GET /api/v1/registrations/check": {"company", "domain", "contact_email", "partner_id"},
		"GET /api/v1/registrations":       {"status", "partner_id", "extension", "limit", "cursor"},
		"GET /api/v1/opportunities":       {"status", "partner_id", "lead_id", "limit", "cursor"},
		"GET /api/v1/partners/{id}/links": {"url"},
	} {
		for _, name := range names {
			if !hasParam(operation(t, doc, pattern), name, "query") {
				t.Errorf("%s lacks query parameter %s", pattern, name)
			}
		}
	}

	// POST /api/v1/leads's body has exactly the fields the handler decodes.
	capture := operation(t, doc, "POST /api/v1/leads")
	props := obj(t, capture, "requestBody", "content", "application/json", "schema", "properties")
	got := make([]string, 0, len(props))
	for name := range props {
		got = append(got, name)
	}
	sort.Strings(got)
	if want := jsonNames(reflect.TypeFor[leadRequest]()); !slices.Equal(got, want) {
		t.Errorf("POST /api/v1/leads body fields = %v, want %v", got, want)
	}
	if typ := obj(t, props, "company_size")["type"]; typ != "integer" {
		t.Errorf("company_size type = %v", typ)
	}
	if typ := obj(t, props, "consent_share")["type"]; !reflect.DeepEqual(typ, []any{"boolean", "null"}) {
		t.Errorf("consent_share (a *bool) type = %v", typ)
	}
	if typ := obj(t, props, "utm")["type"]; typ != "object" {
		t.Errorf("utm type = %v", typ)
	}
	if !hasParam(capture, "Idempotency-Key", "header") {
		t.Error("POST /api/v1/leads lacks the Idempotency-Key header")
	}

	// Explain's lead is described like the capture body (it is decoded
	// raw, to report its mistyped fields with the rest).
	explain := obj(t, operation(t, doc, "POST /api/v1/routing/explain"), "requestBody", "content", "application/json", "schema", "properties")
	lead := obj(t, explain, "lead")
	if lead["$ref"] == nil && lead["properties"] == nil {
		t.Errorf("explain's lead has no schema: %v", lead)
	}

	// The policy may be put as YAML.
	policy := obj(t, operation(t, doc, "PUT /api/v1/routing/policy"), "requestBody", "content")
	if policy["application/yaml"] == nil || policy["application/json"] == nil {
		t.Errorf("PUT /api/v1/routing/policy accepts %v", policy)
	}
	if obj(t, operation(t, doc, "GET /api/v1/routing/policy"), "responses", "200", "content")["application/yaml"] == nil {
		t.Error("GET /api/v1/routing/policy does not answer application/yaml")
	}

	// Responses name their DTOs; pointers are nullable; embedded fields
	// are lifted; fixed sets are enums.
	schemas := obj(t, doc, "components", "schemas")
	ref := obj(t, operation(t, doc, "GET /api/v1/leads/{id}"), "responses", "200", "content", "application/json", "schema")["$ref"]
	if ref != "#/components/schemas/LeadView" {
		t.Fatalf("GET /api/v1/leads/{id} answers %v", ref)
	}
	leadView := obj(t, schemas, "LeadView", "properties")
	if want := jsonNames(reflect.TypeFor[LeadView]()); len(leadView) != len(want) {
		t.Errorf("LeadView has %d properties, want %d", len(leadView), len(want))
	}
	if typ := obj(t, leadView, "email")["type"]; !reflect.DeepEqual(typ, []any{"string", "null"}) {
		t.Errorf("LeadView.email type = %v", typ)
	}
	userCreated := obj(t, schemas, "UserCreated", "properties")
	for _, name := range []string{"token", "id", "email", "role"} {
		if userCreated[name] == nil {
			t.Errorf("UserCreated lacks %s", name)
		}
	}
	if enum, _ := obj(t, userCreated, "role")["enum"].([]any); len(enum) != 6 {
		t.Errorf("role enum = %v", enum)
	}
	patch := obj(t, operation(t, doc, "PATCH /api/v1/partners/{id}"), "requestBody", "content", "application/json", "schema", "properties")
	if enum := obj(t, patch, "status")["enum"]; !reflect.DeepEqual(enum, []any{"active", "suspended", nil}) {
		t.Errorf("partner patch status enum = %v", enum)
	}
	if security, _ := operation(t, doc, "GET /go/{pid}")["security"].([]any); security == nil || len(security) != 0 {
		t.Errorf("GET /go/{pid} security = %v, want none", operation(t, doc, "GET /go/{pid}")["security"])
	}
}
