package main

import (
	"github.com/leadrouter/leadrouter/egress"
	"github.com/leadrouter/leadrouter/webhook"
)

// mountWebhooks serves the subscriptions API and starts the deliverer.
func mountWebhooks(m *Main) {
	m.DB.SetWebhookPolicy(egress.Policy{Allow: m.Config.WebhookAllow})
	m.API.MountWebhooks()
	d := &webhook.Deliverer{DB: m.DB, Logger: m.Logger, Every: m.Config.WebhookEvery,
		Timeout: m.Config.WebhookTimeout, Concurrency: m.Config.WebhookConcurrency}
	m.goWork(func() { d.Run(m.workCtx) })
}
