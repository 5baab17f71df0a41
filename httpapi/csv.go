package httpapi

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"mime"
	"net/http"
	"reflect"
	"regexp"
	"strings"

	"github.com/leadrouter/leadrouter/store"
)

// CSV export: a list endpoint asked with Accept: text/csv answers every
// record its filters select (from the request's cursor on), one row each,
// streamed page by page, with exactly the fields its JSON shows the caller
// (redacted alike): nested objects become dotted columns (owner.kind),
// lists and maps one cell of JSON. A cell starting with = + - @ (a formula
// to a spreadsheet) is written with a leading apostrophe.

// WantsCSV reports whether the request asks for CSV (Accept: text/csv
// preferred to JSON).
func WantsCSV(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "text/csv":
			return true
		case "application/json", "*/*", "application/*":
			return false
		}
	}
	return false
}

// CSVPage is one page of a list, as a CSV export reads it.
type CSVPage[T any] struct {
	Items      []T
	NextCursor string
}

// StreamCSV writes a CSV file named filename: a header row (the columns of
// T's JSON) and a row an item, calling next for each page from cursor
// until a page has no next cursor.
func StreamCSV[T any](w http.ResponseWriter, filename, cursor string, next func(cursor string) (CSVPage[T], error)) error {
	var zero T
	return streamCSV(w, filename, cursor, csvColumns(reflect.TypeOf(zero), ""), next)
}

// StreamCSVLike is StreamCSV for items of an interface type: the columns
// are those of sample's type.
func StreamCSVLike[T any](w http.ResponseWriter, filename, cursor string, sample T, next func(cursor string) (CSVPage[T], error)) error {
	return streamCSV(w, filename, cursor, csvColumns(reflect.TypeOf(sample), ""), next)
}

func streamCSV[T any](w http.ResponseWriter, filename, cursor string, cols []string, next func(cursor string) (CSVPage[T], error)) error {
	page, err := next(cursor)
	if err != nil {
		return err // nothing written yet: an ordinary error answer
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	_ = cw.Write(cols)
	flusher, _ := w.(http.Flusher)
	for {
		for _, it := range page.Items {
			if err := cw.Write(csvRow(it, cols)); err != nil {
				return nil // the client went away
			}
		}
		cw.Flush()
		if flusher != nil {
			flusher.Flush()
		}
		if page.NextCursor == "" {
			return nil
		}
		if page, err = next(page.NextCursor); err != nil {
			// Mid-stream the status is sent: the file ends short, and the
			// last line says why.
			_ = cw.Write([]string{"# export stopped: " + err.Error()})
			cw.Flush()
			return nil
		}
	}
}

var jsonMarshaler = reflect.TypeFor[json.Marshaler]()

// csvColumns lists the JSON fields of t, nested structs as dotted names.
func csvColumns(t reflect.Type, prefix string) []string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct || t.Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(jsonMarshaler) {
		if prefix == "" {
			return []string{"value"}
		}
		return []string{prefix}
	}
	var cols []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			cols = append(cols, csvColumns(f.Type, prefix)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && !ft.Implements(jsonMarshaler) && !reflect.PointerTo(ft).Implements(jsonMarshaler) {
			cols = append(cols, csvColumns(ft, prefix+name+".")...)
			continue
		}
		cols = append(cols, prefix+name)
	}
	return cols
}

// csvRow is item's JSON flattened into cols.
func csvRow(item any, cols []string) []string {
	raw, _ := json.Marshal(item)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	_ = dec.Decode(&v)
	flat := map[string]string{}
	flatten(v, "", flat)
	row := make([]string, len(cols))
	for i, c := range cols {
		row[i] = csvSafe(flat[c])
	}
	return row
}

// flatten records v under key: an object both as its JSON (a map field
// is one column) and field by field under key.field (a struct's columns);
// the header decides which is shown.
func flatten(v any, key string, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		if key != "" {
			b, _ := json.Marshal(t)
			out[key] = string(b)
		}
		for k, x := range t {
			if key != "" {
				k = key + "." + k
			}
			flatten(x, k, out)
		}
	case nil:
		out[key] = ""
	case string:
		out[key] = t
	case json.Number:
		out[key] = t.String()
	case bool:
		out[key] = "false"
		if t {
			out[key] = "true"
		}
	default:
		b, _ := json.Marshal(t)
		out[key] = string(b)
	}
}

// csvSafe keeps a cell from being read as a formula. A phone number or a
// signed number ("+49 30 1234567", "-12.5") is left as it is: no function
// can hide in digits.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) && !numberLike.MatchString(s) {
		return "'" + s
	}
	return s
}

var numberLike = regexp.MustCompile(`^[+-]?[0-9][0-9 ().,/-]*$`)

// pageOf turns a store page into a CSV page.
func pageOf[T any](p store.Page[T]) CSVPage[T] {
	return CSVPage[T]{Items: p.Items, NextCursor: p.NextCursor}
}

// csvPageSize is how many records an export reads at a time.
const csvPageSize = 200
