package notify

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"text/template"
	"time"

	"github.com/leadrouter/leadrouter"
)

// Data is what a message says, decided per recipient: Person is empty
// when the recipient may not see the lead's contact details (W6), and the
// message then names the company only.
type Data struct {
	RecipientName string
	PartnerName   string
	Company       string
	Person        string
	// Link is an absolute URL into the portal.
	Link string
	// Due is a deadline, shown in Location.
	Due      time.Time
	Location *time.Location
	Reason   string
	Decision string
	DaysLeft int
	// Prevailed tells a partner whether its claim in a conflict won.
	Prevailed bool
	Items     []DigestItem
	// Settings is the link to the notification preferences.
	Settings string
}

// DigestItem is one line of a digest.
type DigestItem struct {
	Summary string
	Link    string
}

// catalogue holds, per language and kind, the subject and the first
// paragraph as text/template sources over Data. Keep the languages in step
// (TestCataloguesAreComplete).
var catalogue = map[string]map[leadrouter.NotificationKind][2]string{
	"en": {
		leadrouter.NotifyLeadAssigned:         {"New lead for {{.PartnerName}}: {{who .}}", "A new lead was assigned to {{.PartnerName}}: {{who .}}. Please accept or decline it by {{due .}}."},
		leadrouter.NotifyAnswerDue:            {"Answer due soon: {{who .}}", "{{.PartnerName}} has not answered the lead {{who .}} yet. The answer is due by {{due .}}; without one the lead goes to another partner."},
		leadrouter.NotifyLeadRerouted:         {"Lead moved on: {{.Company}}", "The lead {{.Company}} is no longer with {{.PartnerName}}: {{.Reason}}."},
		leadrouter.NotifyHandoffWaiting:       {"Hand-off waiting: {{.Company}}", "An opportunity at {{.Company}} reserved for {{.PartnerName}} waits in your hand-off queue."},
		leadrouter.NotifyRegistrationDecided:  {"Registration {{.Decision}}: {{.Company}}", "Your registration of {{.Company}} was {{.Decision}}.{{if .Reason}} Reason: {{.Reason}}{{end}}"},
		leadrouter.NotifyRegistrationExpiring: {"Registration expires in {{.DaysLeft}} days: {{.Company}}", "Your registration of {{.Company}} expires in {{.DaysLeft}} days. You may ask for one extension in the portal."},
		leadrouter.NotifyReassignmentFiled:    {"Reassignment requested: {{.Company}}", "{{.PartnerName}} asked to give the lead {{.Company}} up.{{if .Reason}} Reason: {{.Reason}}{{end}}"},
		leadrouter.NotifyReassignmentResolved: {"Reassignment resolved: {{.Company}}", "Your request to give the lead {{.Company}} up was resolved."},
		leadrouter.NotifyConflictOpened:       {"Channel conflict: {{.Company}}", "{{if .PartnerName}}More than one partner has a claim on {{.Company}}; {{if .Prevailed}}yours prevailed for now{{else}}yours did not prevail{{end}}. Partner Relations reviews it.{{else}}More than one partner has a claim on {{.Company}}. Please review the conflict.{{end}}"},
		leadrouter.NotifyConflictResolved:     {"Conflict resolved: {{.Company}}", "The channel conflict on {{.Company}} was resolved{{if .PartnerName}}: your claim {{if .Prevailed}}prevailed{{else}}did not prevail{{end}}{{end}}.{{if .Reason}} Reason: {{.Reason}}{{end}}"},
		leadrouter.NotifyDigest:               {"Your leadrouter digest: {{len .Items}} updates", "Here is what happened since your last digest:"},
	},
	"de": {
		leadrouter.NotifyLeadAssigned:         {"Neuer Lead für {{.PartnerName}}: {{who .}}", "{{.PartnerName}} wurde ein neuer Lead zugewiesen: {{who .}}. Bitte nehmen Sie ihn bis {{due .}} an oder lehnen Sie ihn ab."},
		leadrouter.NotifyAnswerDue:            {"Antwort bald fällig: {{who .}}", "{{.PartnerName}} hat auf den Lead {{who .}} noch nicht geantwortet. Die Antwort ist bis {{due .}} fällig; ohne Antwort geht der Lead an einen anderen Partner."},
		leadrouter.NotifyLeadRerouted:         {"Lead weitergeleitet: {{.Company}}", "Der Lead {{.Company}} liegt nicht mehr bei {{.PartnerName}}: {{.Reason}}."},
		leadrouter.NotifyHandoffWaiting:       {"Übergabe wartet: {{.Company}}", "Eine für {{.PartnerName}} reservierte Opportunity bei {{.Company}} wartet in Ihrer Übergabe-Warteschlange."},
		leadrouter.NotifyRegistrationDecided:  {"Registrierung {{.Decision}}: {{.Company}}", "Ihre Registrierung von {{.Company}}: {{.Decision}}.{{if .Reason}} Begründung: {{.Reason}}{{end}}"},
		leadrouter.NotifyRegistrationExpiring: {"Registrierung läuft in {{.DaysLeft}} Tagen ab: {{.Company}}", "Ihre Registrierung von {{.Company}} läuft in {{.DaysLeft}} Tagen ab. Sie können im Portal einmal eine Verlängerung beantragen."},
		leadrouter.NotifyReassignmentFiled:    {"Neuzuweisung beantragt: {{.Company}}", "{{.PartnerName}} möchte den Lead {{.Company}} abgeben.{{if .Reason}} Begründung: {{.Reason}}{{end}}"},
		leadrouter.NotifyReassignmentResolved: {"Neuzuweisung erledigt: {{.Company}}", "Ihr Antrag, den Lead {{.Company}} abzugeben, wurde bearbeitet."},
		leadrouter.NotifyConflictOpened:       {"Kanalkonflikt: {{.Company}}", "{{if .PartnerName}}Mehr als ein Partner beansprucht {{.Company}}; {{if .Prevailed}}Ihr Anspruch hat vorerst Vorrang{{else}}Ihr Anspruch hat keinen Vorrang{{end}}. Partner Relations prüft den Fall.{{else}}Mehr als ein Partner beansprucht {{.Company}}. Bitte prüfen Sie den Konflikt.{{end}}"},
		leadrouter.NotifyConflictResolved:     {"Konflikt gelöst: {{.Company}}", "Der Kanalkonflikt um {{.Company}} wurde gelöst{{if .PartnerName}}: Ihr Anspruch {{if .Prevailed}}hat Vorrang{{else}}hat keinen Vorrang{{end}}{{end}}.{{if .Reason}} Begründung: {{.Reason}}{{end}}"},
		leadrouter.NotifyDigest:               {"Ihre leadrouter-Zusammenfassung: {{len .Items}} Neuigkeiten", "Das ist seit Ihrer letzten Zusammenfassung geschehen:"},
	},
}

// footer ends every text part: how to change the preferences.
var footer = map[string]string{
	"en": "You receive this because of your notification settings: {{.Settings}}",
	"de": "Sie erhalten diese Nachricht gemäß Ihren Benachrichtigungs-Einstellungen: {{.Settings}}",
}

var open = map[string]string{"en": "Open in the portal", "de": "Im Portal öffnen"}
var greeting = map[string]string{"en": "Hello {{.RecipientName}},", "de": "Hallo {{.RecipientName}},"}

func funcs(lang string) template.FuncMap {
	return template.FuncMap{
		// who is the person and company, or the company alone when the
		// recipient may not see the person.
		"who": func(d Data) string {
			if d.Person == "" {
				return d.Company
			}
			if lang == "de" {
				return d.Person + " bei " + d.Company
			}
			return d.Person + " at " + d.Company
		},
		"due": func(d Data) string {
			loc := d.Location
			if loc == nil {
				loc = time.UTC
			}
			return d.Due.In(loc).Format("2006-01-02 15:04 MST")
		},
	}
}

func execute(lang, src string, d Data) (string, error) {
	t, err := template.New("").Funcs(funcs(lang)).Parse(src)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = t.Execute(&b, d)
	return b.String(), err
}

var htmlLayout = htmltemplate.Must(htmltemplate.New("mail").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family:sans-serif;color:#1a1a1a;line-height:1.5">
<p>{{.Greeting}}</p>
<p>{{.Body}}</p>
{{if .Items}}<ul>{{range .Items}}<li>{{if .Link}}<a href="{{.Link}}">{{.Summary}}</a>{{else}}{{.Summary}}{{end}}</li>{{end}}</ul>{{end}}
{{if .Link}}<p><a href="{{.Link}}" style="color:#0b57d0">{{.Open}}</a></p>{{end}}
<p style="color:#555;font-size:0.9em">{{.Footer}}</p>
</body></html>`))

// Render writes the message of kind for lang (unknown: English): subject,
// plain text and HTML. Every text part ends with where the preferences
// are changed.
func Render(kind leadrouter.NotificationKind, lang string, d Data) (subject, text, html string, err error) {
	msgs, ok := catalogue[lang]
	if !ok {
		lang, msgs = "en", catalogue["en"]
	}
	parts, ok := msgs[kind]
	if !ok {
		return "", "", "", fmt.Errorf("no message for %q", kind)
	}
	if subject, err = execute(lang, parts[0], d); err != nil {
		return "", "", "", err
	}
	body, err := execute(lang, parts[1], d)
	if err != nil {
		return "", "", "", err
	}
	hello, _ := execute(lang, greeting[lang], d)
	foot, _ := execute(lang, footer[lang], d)
	var t strings.Builder
	fmt.Fprintf(&t, "%s\n\n%s\n", hello, body)
	for _, it := range d.Items {
		fmt.Fprintf(&t, "- %s", it.Summary)
		if it.Link != "" {
			fmt.Fprintf(&t, " (%s)", it.Link)
		}
		t.WriteString("\n")
	}
	if d.Link != "" {
		fmt.Fprintf(&t, "\n%s: %s\n", open[lang], d.Link)
	}
	fmt.Fprintf(&t, "\n-- \n%s\n", foot)
	var h bytes.Buffer
	err = htmlLayout.Execute(&h, map[string]any{"Lang": lang, "Subject": subject, "Greeting": hello, "Body": body, "Items": d.Items,
		"Link": d.Link, "Open": open[lang], "Footer": foot})
	return subject, t.String(), h.String(), err
}
