package main

import (
	"context"

	"github.com/leadrouter/leadrouter/webhook"
)

func init() {
	mounts = append(mounts, func(ctx context.Context, m *Main) error {
		m.API.MountWebhooks()
		d := &webhook.Deliverer{DB: m.DB, Logger: m.Logger, Every: m.Config.WebhookEvery,
			Timeout: m.Config.WebhookTimeout, Concurrency: m.Config.WebhookConcurrency}
		m.goWork(func() { d.Run(m.workCtx) })
		return nil
	})
}
