package tracking

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
)

//go:embed demo/*.html
var demoFiles embed.FS

// The slugs of the forms the demo site posts to (POST /forms/{slug}); --demo
// seeds forms with these slugs, whose success URL is /thank-you.
const (
	DemoFormSlug       = "demo-request" // /demo, a demo_request form
	DemoWhitepaperSlug = "whitepaper"   // /whitepaper, a gated_offer form
	DemoContactSlug    = "contact"      // /contact, a contact form
	// DemoEventSlug is the Lunch & Learn form at /lunch-and-learn, an event
	// form hosted by the demo's Berlin partner (which it credits).
	DemoEventSlug = "lunch-and-learn-berlin"
)

// DemoEventConsentText is the consent wording of the partner-hosted event
// form: consent to share with that partner.
const DemoEventConsentText = "Yes, you may share my contact details with Berlin Systems GmbH."

// DemoConsentText is the consent wording shown next to the demo site's
// consent_share checkboxes; it must equal the consent text of the seeded
// forms, which is what a lead's consent records.
const DemoConsentText = "Yes, you may share my contact details with an authorised partner near me."

// demoPage is the data of one page of the demo site.
type demoPage struct {
	Title       string
	ConsentText string
}

// DemoSite returns a tiny built-in vendor site for --demo (home, /pricing,
// /products/erp, /demo, /whitepaper, /contact and /lunch-and-learn with
// their forms, and /thank-you), so that a new user can follow partner links and submit leads
// without a site of their own. Other paths are 404.
func DemoSite() http.Handler {
	pages := []struct{ pattern, file, title, consent string }{
		{"GET /{$}", "home.html", "Home", DemoConsentText},
		{"GET /pricing", "pricing.html", "Pricing", DemoConsentText},
		{"GET /products/erp", "erp.html", "Northwind ERP", DemoConsentText},
		{"GET /demo", "demo.html", "Request a demo", DemoConsentText},
		{"GET /whitepaper", "whitepaper.html", "White paper", DemoConsentText},
		{"GET /contact", "contact.html", "Contact", DemoConsentText},
		{"GET /lunch-and-learn", "lunch-and-learn.html", "Lunch & Learn with Berlin Systems", DemoEventConsentText},
		{"GET /thank-you", "thank-you.html", "Thank you", DemoConsentText},
	}
	mux := http.NewServeMux()
	for _, p := range pages {
		tmpl := template.Must(template.ParseFS(demoFiles, "demo/layout.html", "demo/"+p.file))
		var body bytes.Buffer
		if err := tmpl.ExecuteTemplate(&body, "layout", demoPage{Title: p.title, ConsentText: p.consent}); err != nil {
			panic("tracking: demo page " + p.file + ": " + err.Error())
		}
		rendered := body.Bytes()
		mux.HandleFunc(p.pattern, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(rendered)
		})
	}
	return mux
}
