// Package leadrouter holds the domain of the partner lead-referral and
// lead-routing service: entities, value types that validate when parsed, the
// Actor making a request, the Error type with its codes, and the service
// interfaces implemented by the storage and workflow packages.
package leadrouter
