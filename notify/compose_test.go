package notify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
)

func allKinds() []leadrouter.NotificationKind {
	return append(leadrouter.NotificationKinds(), leadrouter.NotifyDigest)
}

// fullData fills every field a template may show.
func fullData() Data {
	return Data{RecipientName: "Rita Roth", PartnerName: "Berlin Systems", Company: "Kaffee Haus GmbH", Person: "Jonas Becker",
		Link: "https://leads.example/portal/leads/lead_1", Due: time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC), Reason: "out of territory",
		Decision: "approved", DaysLeft: 3, Prevailed: true, Settings: "https://leads.example/portal/settings",
		Items: []DigestItem{{Summary: "New lead for Berlin Systems: Kaffee Haus GmbH", Link: "https://leads.example/portal/leads/lead_1"}}}
}

// Every kind renders in both languages, with all data and with none, in
// one-line subjects, without blanks where a field was empty, and ends its
// text part with where the preferences are changed.
func TestCataloguesAreComplete(t *testing.T) {
	for _, lang := range leadrouter.Languages() {
		for _, kind := range allKinds() {
			for name, d := range map[string]Data{"full": fullData(), "empty": {Link: "https://leads.example/portal/notifications"}} {
				subject, text, html, err := Render(kind, lang, d)
				if err != nil {
					t.Fatalf("%s %s %s: %v", lang, kind, name, err)
				}
				if subject == "" || strings.ContainsAny(subject, "\r\n") {
					t.Errorf("%s %s %s: subject %q", lang, kind, name, subject)
				}
				lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
				if last := lines[len(lines)-1]; !strings.HasSuffix(last, "https://leads.example/portal/settings") {
					t.Errorf("%s %s %s: text ends with %q", lang, kind, name, last)
				}
				for _, part := range []string{subject, text, html} {
					for _, blank := range []string{" ,", "  ", ": .", " .", "<no value>", "0001", "%!"} {
						if strings.Contains(part, blank) {
							t.Errorf("%s %s %s: %q in\n%s", lang, kind, name, blank, part)
						}
					}
				}
				if !strings.Contains(html, `<html lang="`+lang+`">`) {
					t.Errorf("%s %s %s: html not in %s", lang, kind, name, lang)
				}
			}
		}
	}
}

// The languages define the same messages (helpers such as German's
// dative may differ), one subject and one body for each kind and no more,
// so a kind forgotten in one language fails here, not in an inbox.
func TestLanguagesDefineTheSameTemplates(t *testing.T) {
	names := func(lang string) []string {
		var out []string
		for _, tmpl := range catalogue[lang].text.Templates() {
			if strings.HasSuffix(tmpl.Name(), ".subject") || strings.HasSuffix(tmpl.Name(), ".body") {
				out = append(out, tmpl.Name())
			}
		}
		slices.Sort(out)
		return out
	}
	var want []string
	for _, kind := range allKinds() {
		want = append(want, string(kind)+".body", string(kind)+".subject")
	}
	slices.Sort(want)
	for _, lang := range leadrouter.Languages() {
		if got := names(lang); !slices.Equal(got, want) {
			t.Errorf("%s defines %v, en %v", lang, got, want)
		}
	}
}

// What the data holds is escaped in HTML and never breaks the subject.
func TestRenderEscapes(t *testing.T) {
	d := fullData()
	d.Company = "Acme <script>alert(1)</script>\r\nBcc: x@evil.example"
	subject, _, html, err := Render(leadrouter.NotifyLeadRerouted, "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html, "<script>") || strings.ContainsAny(subject, "\r\n") {
		t.Fatalf("subject %q\n%s", subject, html)
	}
}

// Without the person (W6) a lead is named by its company alone.
func TestWithoutPersonTheCompanyAlone(t *testing.T) {
	d := fullData()
	d.Person = ""
	for _, c := range []struct{ lang, want string }{
		{"en", "A new lead was assigned to Berlin Systems: Kaffee Haus GmbH. "},
		{"de", "Ein neuer Lead wurde Berlin Systems zugewiesen: Kaffee Haus GmbH. "},
	} {
		subject, text, _, err := Render(leadrouter.NotifyLeadAssigned, c.lang, d)
		if err != nil || !strings.Contains(text, c.want) || strings.Contains(subject+text, " at ") || strings.Contains(subject+text, " bei ") {
			t.Errorf("%s: %q\n%s %v", c.lang, subject, text, err)
		}
	}
}

// A deadline is shown in the recipient's time zone; German reads German.
func TestDueInTheRecipientsZone(t *testing.T) {
	berlin, err := leadrouter.ParseTimeZone("Europe/Berlin") // the zone data is embedded (time/tzdata)
	if err != nil {
		t.Fatal(err)
	}
	d := fullData()
	d.Location = berlin
	_, en, _, _ := Render(leadrouter.NotifyAnswerDue, "en", d)
	_, de, _, _ := Render(leadrouter.NotifyAnswerDue, "de", d)
	if !strings.Contains(en, "due by 7 Dec 2026 10:30 CET") || !strings.Contains(de, "bis 07.12.2026 10:30 CET fällig") {
		t.Fatalf("en:\n%s\nde:\n%s", en, de)
	}
	if !strings.HasPrefix(de, "Guten Tag Rita Roth,") || !strings.Contains(de, "Im Portal öffnen") {
		t.Fatalf("not German:\n%s", de)
	}
}

// An unknown language is English; an unknown kind is an error.
func TestRenderFallbacks(t *testing.T) {
	want, _, _, _ := Render(leadrouter.NotifyConflictOpened, "en", fullData())
	if got, _, _, err := Render(leadrouter.NotifyConflictOpened, "fr", fullData()); err != nil || got != want {
		t.Errorf("fr: %q %v, want %q", got, err, want)
	}
	if _, _, _, err := Render("lead_eaten", "en", fullData()); err == nil {
		t.Error("an unknown kind rendered")
	}
}

// Settings defaults to the settings page on the portal the link points to.
func TestSettingsFromLink(t *testing.T) {
	_, text, _, err := Render(leadrouter.NotifyDigest, "en", Data{Link: "https://leads.example/portal/notifications?x=1"})
	if err != nil || !strings.HasSuffix(text, "https://leads.example/portal/settings\n") {
		t.Fatalf("%s %v", text, err)
	}
}

func BenchmarkRender(b *testing.B) {
	d := fullData()
	for b.Loop() {
		if _, _, _, err := Render(leadrouter.NotifyLeadAssigned, "de", d); err != nil {
			b.Fatal(err)
		}
	}
}
