package demo

import (
	"context"
	"fmt"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/tracking"
)

// Forms are the demo site's forms (the demo site posts to demo-request).
var Forms = []leadrouter.Form{
	{Slug: "demo-request", Kind: leadrouter.FormDemoRequest, SuccessURL: "/thank-you", Campaign: "website-demo",
		ConsentText: "Yes, you may share my contact details with an authorised partner near me."},
	{Slug: "whitepaper", Kind: leadrouter.FormGatedOffer, SuccessURL: "/thank-you", Campaign: "erp-whitepaper-2026",
		ConsentText: "Yes, you may share my contact details with an authorised partner near me."},
	{Slug: "contact", Kind: leadrouter.FormContact, SuccessURL: "/thank-you"},
}

// SeedForms stores the demo forms and a Lunch & Learn event form hosted by
// the Berlin partner.
func SeedForms(ctx context.Context, db *store.DB, ids IDs) error {
	return db.Update(ctx, func(tx *store.Tx) error {
		for _, f := range Forms {
			if _, err := admin.CreateForm(ctx, tx, f); err != nil {
				return fmt.Errorf("demo form %s: %w", f.Slug, err)
			}
		}
		_, err := admin.CreateForm(ctx, tx, leadrouter.Form{Slug: tracking.DemoEventSlug, Kind: leadrouter.FormEvent,
			SuccessURL: "/thank-you", PartnerID: ids.Partners[PIDBerlin], Campaign: "lunch-and-learn",
			ConsentText: tracking.DemoEventConsentText})
		return err
	})
}

// SampleLead is one demo lead, submitted through the real capture workflow.
type SampleLead struct {
	FirstName, LastName, Email, Company, Country, Title string
	Source                                              leadrouter.Source
	PID                                                 string
	Consent                                             bool
}

// SampleLeads are the demo leads: one per routing rule, and Cynthia
// Russell of The Pop Cynthia Project from the support desk's training.
var SampleLeads = []SampleLead{
	{"Cynthia", "Russell", "cynthia@popcynthia.example", "The Pop Cynthia Project", "US", "Owner", "call", "", false},
	{"Chip", "Potts", "chip@beauty.example", "Beauty Works", "US", "CFO", "web_form", PIDAustin, true},
	{"Jonas", "Becker", "jonas@kaffee-haus.example", "Kaffee Haus GmbH", "DE", "Geschäftsführer", "web_form", "", true},
	{"Lena", "Vogel", "lena@vogel-bau.example", "Vogel Bau AG", "DE", "Head of Finance", "web_form", "", true},
	{"Pieter", "Janssens", "pieter@brugge-logistics.example", "Brugge Logistics NV", "BE", "COO", "web_form", "", false},
	{"Olivia", "Hart", "olivia@acme-emea.example", "Acme EMEA Ltd", "GB", "Finance Director", "web_form", "", true},
	{"Mateo", "Silva", "mateo@saopaulo-foods.example", "São Paulo Foods", "BR", "Controller", "web_form", "", false},
	{"Grace", "Lee", "grace@maple-apps.example", "Maple Apps Inc.", "CA", "VP Operations", "web_form", PIDToronto, true},
}
