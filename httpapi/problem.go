package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/leadrouter/leadrouter"
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
	leadrouter.EINTERNAL:     "Internal error",
	"bad_request":            "Bad request",
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

// DecodeJSON reads the request body into v: bodies must be JSON objects;
// unknown fields are ignored (so forged ids, owners or statuses have no
// effect: DTOs only carry what the caller may set).
func DecodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return &leadrouter.Error{Code: leadrouter.EINVALID, Message: "The request has invalid fields.",
				Fields: []leadrouter.FieldError{{Field: ute.Field, Message: "must be a " + ute.Type.String()}}}
		}
		return BadRequest("The request body is not valid JSON: " + err.Error())
	}
	if dec.More() {
		return BadRequest("The request body has data after the JSON object.")
	}
	return nil
}

func asUnmarshalType(err error, target **json.UnmarshalTypeError) bool { return errors.As(err, target) }
