package main

import "github.com/leadrouter/leadrouter/lifecycle"

// mountLifecycle serves the lifecycle: qualify, consent, convert, hand off, change owner and
// reassignment requests, and the partner stats.
func mountLifecycle(m *Main) {
	svc := &lifecycle.Service{DB: m.DB}
	if m.Router != nil {
		// Resolving a reassignment request without a named owner
		// re-runs the routing policy without the giving-up partner;
		// qualifying a reserved lead checks its MQL threshold.
		svc.Reroute, svc.Policy = m.Router.Reroute, m.Router
	}
	svc.Assignments = m.Assignments
	m.API.MountLifecycle(svc)
}
