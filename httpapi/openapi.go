package httpapi

import (
	"encoding"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/leadrouter/leadrouter"
)

// route is a registered route: its pattern, who may call it (public: no
// token at all) and, for the OpenAPI document, its Doc.
type route struct {
	pattern string
	roles   []leadrouter.Role
	public  bool
}

// Doc describes a route for the OpenAPI document. It is given with
// Document where the route is registered, so the document says what the
// handler beside it does.
type Doc struct {
	// Summary is the one-line description of the operation.
	Summary string
	// Description says more, when there is more to say.
	Description string
	// Query lists the query parameters the handler reads.
	Query []Param
	// Headers lists the request headers the handler reads.
	Headers []Param
	// Body is a value of the JSON request body's type (a struct); its
	// schema is generated from the fields' types and json tags.
	Body any
	// BodyEnums gives the allowed values of top-level body fields.
	BodyEnums map[string][]string
	// RawBody lists content types also accepted as a plain text body (the
	// routing policy as application/yaml).
	RawBody []string
	// Form describes an application/x-www-form-urlencoded body: its
	// fields, all strings.
	Form []Param
	// Success lists the success statuses (2xx, 3xx); none means 200.
	Success []int
	// Response is a value of the success body's type; nil with a 2xx
	// other than 204 means a JSON object not described further.
	Response any
	// ResponseTypes lists other content types the success body may come
	// as (text bodies, e.g. application/yaml).
	ResponseTypes []string
	// NoJSON marks successes with no JSON body (redirects, metrics).
	NoJSON bool
	// Errors lists the problem statuses the handler answers besides the
	// ones every route of its kind may answer: 401 (authenticated routes),
	// 403 (routes for some roles only), 400 and 413 (routes with a body).
	Errors []int
}

// Param is a query parameter, header or form field of a Doc.
type Param struct {
	Name        string
	Type        string // "string" (the default), "integer", "boolean"
	Description string
	Required    bool
	Enum        []string
}

// Document attaches doc to the route registered (before or after) with
// pattern, for the OpenAPI document.
func (s *Server) Document(pattern string, doc Doc) {
	if s.docs == nil {
		s.docs = map[string]Doc{}
	}
	s.docs[pattern] = doc
}

// Routes lists the registered routes (API and public) as "METHOD /path"
// patterns.
func (s *Server) Routes() []string {
	out := make([]string, 0, len(s.apiRoutes))
	for _, r := range s.apiRoutes {
		out = append(out, r.pattern)
	}
	return out
}

// openAPI serves an OpenAPI 3.1 document generated from the routes the
// server actually registered and the Doc given with each, so it cannot
// drift from the running API.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, s.OpenAPI())
}

// OpenAPI returns the OpenAPI 3.1 document of the registered routes.
func (s *Server) OpenAPI() map[string]any {
	gen := &schemaGen{components: map[string]any{}, names: map[reflect.Type]string{}, taken: map[string]reflect.Type{}}
	gen.components["Problem"] = gen.object(reflect.TypeFor[Problem]())
	paths := map[string]map[string]any{}
	for _, rt := range s.apiRoutes {
		method, path, _ := strings.Cut(rt.pattern, " ")
		item := paths[path]
		if item == nil {
			item = map[string]any{}
			paths[path] = item
		}
		item[strings.ToLower(method)] = s.operation(gen, rt, path)
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "leadrouter API", "version": "1"},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]string{"type": "http", "scheme": "bearer"}},
			"schemas":         gen.components,
		},
	}
}

// operation renders one route.
func (s *Server) operation(gen *schemaGen, rt route, path string) map[string]any {
	doc, documented := s.docs[rt.pattern]
	op := map[string]any{"summary": doc.Summary}
	if !documented || doc.Summary == "" {
		op["summary"] = rt.pattern
	}
	description := doc.Description
	if !rt.public {
		who := "any signed-in user"
		if len(rt.roles) > 0 {
			names := make([]string, len(rt.roles))
			for i, role := range rt.roles {
				names[i] = string(role)
			}
			who = strings.Join(names, ", ")
		}
		description = strings.TrimSpace(description + "\n\nRoles: " + who + ".")
		op["security"] = []map[string][]string{{"bearer": {}}}
	} else {
		op["security"] = []map[string][]string{}
	}
	if description != "" {
		op["description"] = description
	}

	var params []map[string]any
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			params = append(params, map[string]any{"name": strings.Trim(seg, "{}."), "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
	}
	for _, p := range doc.Query {
		params = append(params, p.parameter("query"))
	}
	for _, p := range doc.Headers {
		params = append(params, p.parameter("header"))
	}
	if params != nil {
		op["parameters"] = params
	}

	hasBody := doc.Body != nil || len(doc.RawBody) > 0 || len(doc.Form) > 0
	if hasBody {
		content := map[string]any{}
		if doc.Body != nil {
			schema := gen.inline(reflect.TypeOf(doc.Body))
			if props, ok := schema["properties"].(map[string]any); ok {
				for field, values := range doc.BodyEnums {
					if prop, ok := props[field].(map[string]any); ok {
						prop["enum"] = enumOf(prop, values)
					}
				}
			}
			content["application/json"] = map[string]any{"schema": schema}
		}
		for _, ct := range doc.RawBody {
			content[ct] = map[string]any{"schema": map[string]any{"type": "string"}}
		}
		if len(doc.Form) > 0 {
			props, required := map[string]any{}, []string{}
			for _, p := range doc.Form {
				if p.Required {
					required = append(required, p.Name)
				}
				prop := p.schema()
				if p.Description != "" {
					prop["description"] = p.Description
				}
				props[p.Name] = prop
			}
			content["application/x-www-form-urlencoded"] = map[string]any{"schema": map[string]any{"type": "object", "properties": props, "required": required}}
		}
		op["requestBody"] = map[string]any{"required": true, "content": content}
	}

	responses := map[string]any{}
	success := doc.Success
	if len(success) == 0 {
		success = []int{http.StatusOK}
	}
	for _, status := range success {
		res := map[string]any{"description": http.StatusText(status)}
		if status != http.StatusNoContent && status < 300 && !doc.NoJSON {
			schema := map[string]any{"type": "object"}
			if doc.Response != nil {
				schema = gen.schema(reflect.TypeOf(doc.Response))
			}
			content := map[string]any{"application/json": map[string]any{"schema": schema}}
			for _, ct := range doc.ResponseTypes {
				content[ct] = map[string]any{"schema": map[string]any{"type": "string"}}
			}
			res["content"] = content
		} else if len(doc.ResponseTypes) > 0 {
			content := map[string]any{}
			for _, ct := range doc.ResponseTypes {
				content[ct] = map[string]any{"schema": map[string]any{"type": "string"}}
			}
			res["content"] = content
		}
		responses[strconv.Itoa(status)] = res
	}
	problems := slices.Clone(doc.Errors)
	if !rt.public {
		problems = append(problems, http.StatusUnauthorized)
		if len(rt.roles) > 0 {
			problems = append(problems, http.StatusForbidden)
		}
	}
	if doc.Body != nil || len(doc.RawBody) > 0 {
		problems = append(problems, http.StatusBadRequest, http.StatusRequestEntityTooLarge)
	}
	for _, status := range problems {
		responses[strconv.Itoa(status)] = map[string]any{"description": http.StatusText(status), "content": map[string]any{
			"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
	}
	op["responses"] = responses
	return op
}

func (p Param) schema() map[string]any {
	typ := p.Type
	if typ == "" {
		typ = "string"
	}
	schema := map[string]any{"type": typ}
	if len(p.Enum) > 0 {
		schema["enum"] = p.Enum
	}
	return schema
}

func (p Param) parameter(in string) map[string]any {
	out := map[string]any{"name": p.Name, "in": in, "schema": p.schema()}
	if p.Description != "" {
		out["description"] = p.Description
	}
	if p.Required {
		out["required"] = true
	}
	return out
}

// enumOf lists values as a field's enum, with null when the field is
// nullable.
func enumOf(prop map[string]any, values []string) []any {
	out := make([]any, 0, len(values)+1)
	for _, v := range values {
		out = append(out, v)
	}
	if types, ok := prop["type"].([]string); ok && slices.Contains(types, "null") {
		out = append(out, nil)
	}
	return out
}

// roleNames lists the roles, for enums.
func roleNames() []string {
	out := make([]string, len(leadrouter.Roles))
	for i, r := range leadrouter.Roles {
		out[i] = string(r)
	}
	return out
}

// schemaGen turns Go types into JSON schemas the way encoding/json
// serialises them: named structs become components referred to by $ref.
type schemaGen struct {
	components map[string]any
	names      map[reflect.Type]string
	taken      map[string]reflect.Type
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	roleType          = reflect.TypeFor[leadrouter.Role]()
)

// inline is schema without a $ref at the top: request bodies are shown
// in place.
func (g *schemaGen) inline(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct && t != timeType {
		return g.object(t)
	}
	return g.schema(t)
}

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawMessageType:
		return map[string]any{}
	case t == roleType:
		return map[string]any{"type": "string", "enum": roleNames()}
	case t.Implements(jsonMarshalerType):
		return map[string]any{}
	case t.Implements(textMarshalerType):
		return map[string]any{"type": "string"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return nullable(g.schema(t.Elem()))
	case reflect.Interface:
		return map[string]any{}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + g.component(t)}
	}
	return map[string]any{}
}

// component names t's schema among the components, generating it once.
func (g *schemaGen) component(t reflect.Type) string {
	if name, ok := g.names[t]; ok {
		return name
	}
	name := componentName(t)
	if other, ok := g.taken[name]; ok && other != t {
		pkg := t.PkgPath()[strings.LastIndexByte(t.PkgPath(), '/')+1:]
		name = exportedName(pkg) + name
	}
	g.names[t], g.taken[name] = name, t
	g.components[name] = map[string]any{} // a placeholder while recursing
	g.components[name] = g.object(t)
	return name
}

// componentName is t's name without package paths: Page[…LeadView] is
// PageLeadView, leadRequest is LeadRequest.
func componentName(t reflect.Type) string {
	name := t.Name()
	base, args, generic := strings.Cut(name, "[")
	if generic {
		for _, arg := range strings.Split(strings.TrimSuffix(args, "]"), ",") {
			base += exportedName(arg[strings.LastIndexByte(arg, '.')+1:])
		}
	}
	return exportedName(base)
}

func exportedName(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// object is the schema of struct t's JSON object: its fields by their json
// names, embedded structs' fields lifted as encoding/json does.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	g.fields(t, props)
	return map[string]any{"type": "object", "properties": props}
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any) {
	var embedded []reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type)
	}
	// Fields of the outer struct win over those of embedded ones.
	for _, e := range embedded {
		inner := map[string]any{}
		g.fields(e, inner)
		for name, schema := range inner {
			if _, ok := props[name]; !ok {
				props[name] = schema
			}
		}
	}
}

// nullable lets schema also be null (a pointer).
func nullable(schema map[string]any) map[string]any {
	if typ, ok := schema["type"].(string); ok {
		out := make(map[string]any, len(schema))
		for k, v := range schema {
			out[k] = v
		}
		out["type"] = []string{typ, "null"}
		if enum, ok := schema["enum"].([]string); ok {
			values := make([]any, 0, len(enum)+1)
			for _, v := range enum {
				values = append(values, v)
			}
			out["enum"] = append(values, nil)
		}
		return out
	}
	if len(schema) == 0 {
		return schema
	}
	return map[string]any{"anyOf": []any{schema, map[string]any{"type": "null"}}}
}

// itemList is the {"items": […]} answer of the lists that come in one
// page.
type itemList[T any] struct {
	Items []T `json:"items"`
}

// pageQuery documents the limit and cursor of a paged list (see
// pageParams), after the list's own parameters.
func pageQuery(filters ...Param) []Param {
	return append(filters,
		Param{Name: "limit", Type: "integer", Description: "items per page, 1 to 500"},
		Param{Name: "cursor", Description: "the next_cursor of the page before"})
}
