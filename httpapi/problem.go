package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"strconv"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// statusOf maps domain error codes to HTTP statuses: the one table of it.
var statusOf = map[string]int{
	leadrouter.EINVALID:      http.StatusUnprocessableEntity,
	leadrouter.ENOTFOUND:     http.StatusNotFound,
	leadrouter.ECONFLICT:     http.StatusConflict,
	leadrouter.EFORBIDDEN:    http.StatusForbidden,
	leadrouter.EUNAUTHORIZED: http.StatusUnauthorized,
	leadrouter.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	leadrouter.ERATELIMIT:    http.StatusTooManyRequests,
	leadrouter.EUNAVAILABLE:  http.StatusServiceUnavailable,
	leadrouter.EINTERNAL:     http.StatusInternalServerError,
}

var titleOf = map[string]string{
	leadrouter.EINVALID:      "Invalid request",
	leadrouter.ENOTFOUND:     "Not found",
	leadrouter.ECONFLICT:     "Conflict",
	leadrouter.EFORBIDDEN:    "Forbidden",
	leadrouter.EUNAUTHORIZED: "Unauthorized",
	leadrouter.ETOOLARGE:     "Request too large",
	leadrouter.ERATELIMIT:    "Too many requests",
	leadrouter.EUNAVAILABLE:  "Service unavailable",
	leadrouter.EINTERNAL:     "Internal error",
	"bad_request":            "Bad request",
	"timeout":                "Request timeout",
}

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type      string                  `json:"type"`
	Title     string                  `json:"title"`
	Status    int                     `json:"status"`
	Detail    string                  `json:"detail"`
	Instance  string                  `json:"instance,omitempty"`
	RequestID string                  `json:"request_id,omitempty"`
	Errors    []leadrouter.FieldError `json:"errors,omitempty"`
}

// errBadRequest marks malformed requests (unparseable JSON, bad query
// parameters): 400 rather than 422.
type errBadRequest struct{ msg string }

func (e errBadRequest) Error() string { return e.msg }

// BadRequest returns an error answered with 400 and msg.
func BadRequest(msg string) error { return errBadRequest{msg} }

// WriteError answers err as a problem document; internal errors are logged
// and their details withheld.
func WriteError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	err = store.Unavailable(err) // a driver error that left the store unwrapped
	code := leadrouter.ErrorCode(err)
	status := statusOf[code]
	detail := leadrouter.ErrorMessage(err)
	var br errBadRequest
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		code, status, detail = leadrouter.ETOOLARGE, http.StatusRequestEntityTooLarge, "The request body is larger than "+strconv.FormatInt(mbe.Limit, 10)+" bytes."
	case errors.As(err, &br):
		code, status, detail = "bad_request", http.StatusBadRequest, br.msg
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The body did not arrive before the read deadline
		// (http.Server.ReadTimeout or ResponseController.SetReadDeadline).
		code, status, detail = "timeout", http.StatusRequestTimeout, "The request body did not arrive in time."
		w.Header().Set("Connection", "close")
	case code == leadrouter.EUNAVAILABLE:
		logger.WarnContext(r.Context(), "database unavailable", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", RequestID(r.Context()))
	case code == leadrouter.EINTERNAL:
		logger.ErrorContext(r.Context(), "request failed", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", RequestID(r.Context()))
	}
	if status == 0 {
		status = http.StatusInternalServerError
	}
	WriteProblem(w, r, Problem{
		Type: "https://leadrouter.dev/problems/" + code, Title: titleOf[code], Status: status, Detail: detail,
		Instance: r.URL.Path, Errors: leadrouter.ErrorFields(err),
	})
}

// WriteProblem writes p as application/problem+json.
func WriteProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	p.RequestID = RequestID(r.Context())
	if p.Status == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "60")
	}
	if p.Status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// DecodeJSON reads the request body into v: bodies must be JSON objects
// (anything else is a 400); unknown fields are ignored (so forged ids,
// owners or statuses have no effect: DTOs only carry what the caller may
// set). Values of the wrong JSON type do not stop the decoding: every other
// field is decoded into v and the answer is an EINVALID error naming each
// such field, which a handler may merge with its own validation of v (see
// mergeInvalid) to list every offending field in one 422.
func DecodeJSON(r *http.Request, v any) error {
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	return decodeJSONBody(raw, v)
}

// decodeJSONBody is DecodeJSON on a body already read.
func decodeJSONBody(raw []byte, v any) error {
	err := json.Unmarshal(raw, v)
	var ute *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &ute):
		return BadRequest("The request body is not valid JSON: " + err.Error())
	case ute.Field == "":
		return BadRequest("The request body must be a JSON object, not " + ute.Value + ".")
	}
	// encoding/json reports only the first value of the wrong type: decode
	// the object's members one at a time to name every one of them.
	first := leadrouter.FieldError{Field: ute.Field, Message: typeMessage(ute)}
	members, err := jsonMembers(raw)
	if err != nil {
		return BadRequest("The request body is not valid JSON: " + err.Error())
	}
	var v2 leadrouter.Validation
	for _, m := range members {
		one, _ := json.Marshal(map[string]json.RawMessage{m.name: m.value})
		if err := json.Unmarshal(one, v); err != nil {
			field, message := m.name, "has a value of the wrong type"
			if errors.As(err, &ute) {
				if ute.Field != "" {
					field = ute.Field
				}
				message = typeMessage(ute)
			}
			v2.Add(field, "%s", message)
		}
	}
	if len(v2.Fields) == 0 { // a member that decodes alone but not with the others
		v2.Fields = append(v2.Fields, first)
	}
	return v2.Err()
}

// typeMessage says what a value of the wrong type should have been.
func typeMessage(ute *json.UnmarshalTypeError) string {
	return "must be " + jsonTypeName(ute.Type) + ", not " + ute.Value
}

type jsonMember struct {
	name  string
	value json.RawMessage
}

// jsonMembers returns the members of the JSON object raw, in order.
func jsonMembers(raw []byte) ([]jsonMember, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil {
		return nil, err
	} else if tok != json.Delim('{') {
		return nil, errors.New("not an object")
	}
	var members []jsonMember
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		members = append(members, jsonMember{name, value})
	}
	return members, nil
}

// jsonTypeName says which JSON value a Go type takes: "a string", "a
// number", …
func jsonTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}

// mergeInvalid joins the field errors DecodeJSON reported (decodeErr) with
// those of validating what it decoded (validateErr) into one EINVALID
// error, each field named once (a value of the wrong type left its field
// empty, which validation may also complain about). A decodeErr that is not
// EINVALID (a malformed or too large body) is returned as it is, and so is
// a validateErr that is not (a failed database read).
func mergeInvalid(decodeErr, validateErr error) error {
	switch {
	case decodeErr == nil:
		return validateErr
	case leadrouter.ErrorCode(decodeErr) != leadrouter.EINVALID, validateErr == nil:
		return decodeErr
	case leadrouter.ErrorCode(validateErr) != leadrouter.EINVALID:
		return validateErr
	}
	v := leadrouter.Validation{Fields: leadrouter.ErrorFields(decodeErr)}
	named := make(map[string]bool, len(v.Fields))
	for _, f := range v.Fields {
		named[f.Field] = true
	}
	for _, f := range leadrouter.ErrorFields(validateErr) {
		if !named[f.Field] {
			v.Fields = append(v.Fields, f)
		}
	}
	return v.Err()
}
