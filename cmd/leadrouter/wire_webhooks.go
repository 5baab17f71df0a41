package main

import (
	"github.com/leadrouter/leadrouter/egress"
	"github.com/leadrouter/leadrouter/webhook"
)

// mountWebhooks serves the subscriptions API and starts the deliverer.
func mountWebhooks(m *Main) {
	m.API.MountWebhooks()
	d := &webhook.Deliverer{DB: m.DB, Egress: m.egress(), Logger: m.Logger, Every: m.Config.WebhookEvery,
		Timeout: m.Config.WebhookTimeout, Concurrency: m.Config.WebhookConcurrency}
	m.goWork(func() { d.Run(m.workCtx) })
}

// egress is the outbound address policy for webhook targets: no special-
// purpose address but the ranges --webhook-allow-cidr opens.
func (m *Main) egress() egress.Policy {
	return egress.Policy{Allow: m.Config.WebhookAllow}
}
