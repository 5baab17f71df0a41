package tracking

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
)

//go:embed demo/*.html
var demoFiles embed.FS

// DemoFormSlug is the slug of the form the demo site's /demo page posts to
// (POST /forms/demo-request); --demo seeds a demo_request form with it.
const DemoFormSlug = "demo-request"

// DemoConsentText is the consent wording shown next to the demo form's
// consent_share checkbox; the seeded form records it with the consent.
const DemoConsentText = "I agree that Northwind may share my contact details with a Northwind partner so that it can contact me about this request."

// demoPage is the data of one page of the demo site.
type demoPage struct {
	Title       string
	ConsentText string
}

// DemoSite returns a tiny built-in vendor site (home, /pricing,
// /products/erp and /demo with the demo-request form) for --demo, so that a
// new user can follow partner links and submit a lead without a site of
// their own. Other paths are 404.
func DemoSite() http.Handler {
	pages := []struct{ pattern, file, title string }{
		{"GET /{$}", "home.html", "Home"},
		{"GET /pricing", "pricing.html", "Pricing"},
		{"GET /products/erp", "erp.html", "Northwind ERP"},
		{"GET /demo", "demo.html", "Request a demo"},
	}
	mux := http.NewServeMux()
	for _, p := range pages {
		tmpl := template.Must(template.ParseFS(demoFiles, "demo/layout.html", "demo/"+p.file))
		var body bytes.Buffer
		if err := tmpl.ExecuteTemplate(&body, "layout", demoPage{Title: p.title, ConsentText: DemoConsentText}); err != nil {
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
