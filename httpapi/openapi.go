package httpapi

import (
	"net/http"
	"sort"
	"strings"

	"github.com/leadrouter/leadrouter"
)

type route struct {
	pattern string
	roles   []leadrouter.Role
}

// Routes lists the registered API routes as "METHOD /path" patterns.
func (s *Server) Routes() []string {
	out := make([]string, 0, len(s.apiRoutes))
	for _, r := range s.apiRoutes {
		out = append(out, r.pattern)
	}
	return out
}

// openAPI serves an OpenAPI 3.1 document generated from the routes the
// server actually registered, so it cannot drift from the running API.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	paths := map[string]map[string]any{}
	problem := map[string]any{"description": "Problem document (RFC 9457)", "content": map[string]any{
		"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
	for _, rt := range s.apiRoutes {
		method, path, _ := strings.Cut(rt.pattern, " ")
		method = strings.ToLower(method)
		item := paths[path]
		if item == nil {
			item = map[string]any{}
			paths[path] = item
		}
		var params []map[string]any
		for _, seg := range strings.Split(path, "/") {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				params = append(params, map[string]any{"name": strings.Trim(seg, "{}"), "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
			}
		}
		who := "any signed-in user"
		if len(rt.roles) > 0 {
			names := make([]string, len(rt.roles))
			for i, role := range rt.roles {
				names[i] = string(role)
			}
			who = strings.Join(names, ", ")
		}
		op := map[string]any{
			"summary":     rt.pattern,
			"description": "Roles: " + who + ".",
			"security":    []map[string][]string{{"bearer": {}}},
			"responses": map[string]any{
				"200": map[string]any{"description": "OK", "content": map[string]any{"application/json": map[string]any{}}},
				"401": problem, "403": problem, "404": problem, "422": problem,
			},
		}
		if params != nil {
			op["parameters"] = params
		}
		if method == "post" || method == "put" || method == "patch" {
			op["requestBody"] = map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": map[string]string{"type": "object"}}}}
		}
		item[method] = op
	}
	paths["/healthz"] = map[string]any{"get": map[string]any{"summary": "GET /healthz", "responses": map[string]any{"200": map[string]any{"description": "the database answers"}}}}
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	doc := map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "leadrouter API", "version": "1"},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]string{"type": "http", "scheme": "bearer"}},
			"schemas": map[string]any{"Problem": map[string]any{"type": "object", "properties": map[string]any{
				"type": map[string]string{"type": "string"}, "title": map[string]string{"type": "string"}, "status": map[string]string{"type": "integer"},
				"detail": map[string]string{"type": "string"}, "errors": map[string]any{"type": "array", "items": map[string]any{"type": "object",
					"properties": map[string]any{"field": map[string]string{"type": "string"}, "message": map[string]string{"type": "string"}}}}}}},
		},
	}
	WriteJSON(w, http.StatusOK, doc)
}
