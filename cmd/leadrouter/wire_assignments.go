package main

import "github.com/leadrouter/leadrouter/assignment"

// mountAssignments serves partners' answers, deal updates and performance,
// opens assignments from capture (the lifecycle and the portal get the
// service as they are mounted) and starts the job that lapses unanswered
// assignments, sends reminders and nudges stale deals.
func mountAssignments(m *Main) {
	svc := &assignment.Service{DB: m.DB, Logger: m.Logger, Every: m.Config.AssignmentEvery}
	if m.Router != nil {
		svc.Policy, svc.Reroute = m.Router, m.Router.Reroute
	}
	m.Assignments = svc
	if m.Intake != nil {
		m.Intake.Assignments = svc
	}
	m.API.MountAssignments(svc)
	m.goWork(func() { svc.Run(m.workCtx) })
}
