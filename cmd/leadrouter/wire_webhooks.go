package main

import (
	"context"

	"github.com/leadrouter/leadrouter/webhook"
	"github.com/leadrouter/leadrouter/webhook/egress"
)

func init() {
	mounts = append(mounts, func(ctx context.Context, m *Main) error {
		m.DB.SetWebhookPolicy(egress.Policy{Allow: m.Config.WebhookAllow})
		m.API.MountWebhooks()
		d := &webhook.Deliverer{DB: m.DB, Logger: m.Logger, Every: m.Config.WebhookEvery,
			Timeout: m.Config.WebhookTimeout, Concurrency: m.Config.WebhookConcurrency}
		m.goWork(func() { d.Run(m.workCtx) })
		return nil
	})
}
