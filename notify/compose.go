package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"net/url"
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
	// Due is a deadline, shown in Location (UTC when nil).
	Due      time.Time
	Location *time.Location
	Reason   string
	// Decision is a registration's: approved, rejected,
	// extension_approved or extension_rejected.
	Decision string
	DaysLeft int
	// Prevailed tells a partner whether its claim in a conflict won.
	Prevailed bool
	Items     []DigestItem
	// Settings is the link to the notification preferences; when empty
	// it is <origin of Link>/portal/settings.
	Settings string
}

// DigestItem is one line of a digest.
type DigestItem struct {
	Summary string
	Link    string
}

//go:embed templates
var templateFiles embed.FS

// messages holds one language's templates, parsed once.
type messages struct {
	text *template.Template
	html *htmltemplate.Template
}

// catalogue is every language's templates, parsed when the program
// starts so that a broken template stops it at once.
var catalogue = mustParseCatalogue()

func templateFuncs() template.FuncMap {
	return template.FuncMap{
		// local is the deadline in the recipient's time zone.
		"local": func(d Data) time.Time {
			if d.Location == nil {
				return d.Due.UTC()
			}
			return d.Due.In(d.Location)
		},
	}
}

func mustParseCatalogue() map[string]messages {
	out := map[string]messages{}
	for _, lang := range leadrouter.Languages() {
		file := "templates/" + lang + ".tmpl"
		text := template.Must(template.New(lang).Funcs(templateFuncs()).ParseFS(templateFiles, "templates/layout.txt", file))
		html := htmltemplate.Must(htmltemplate.New(lang).Funcs(htmltemplate.FuncMap(templateFuncs())).ParseFS(templateFiles, "templates/layout.html", file))
		out[lang] = messages{text: text, html: html}
	}
	return out
}

// view is what the layouts are executed with.
type view struct {
	Lang     string
	Subject  string
	Body     any // string in the text layout, htmltemplate.HTML in the HTML one
	Settings string
	Data     Data
}

// Render writes the message of kind for lang (unknown: English): subject,
// plain text and HTML. Every text part ends with where the preferences
// are changed.
func Render(kind leadrouter.NotificationKind, lang string, d Data) (subject, text, html string, err error) {
	msgs, ok := catalogue[lang]
	if !ok {
		lang, msgs = "en", catalogue["en"]
	}
	name := string(kind)
	if msgs.text.Lookup(name+".subject") == nil {
		return "", "", "", fmt.Errorf("render: no message for kind %q", kind)
	}
	var b bytes.Buffer
	if err := msgs.text.ExecuteTemplate(&b, name+".subject", d); err != nil {
		return "", "", "", fmt.Errorf("render %s subject: %w", kind, err)
	}
	// A subject is one header line, whatever the data holds.
	subject = strings.Join(strings.Fields(b.String()), " ")
	v := view{Lang: lang, Subject: subject, Settings: settingsLink(d), Data: d}

	b.Reset()
	if err := msgs.text.ExecuteTemplate(&b, name+".body", d); err != nil {
		return "", "", "", fmt.Errorf("render %s text: %w", kind, err)
	}
	v.Body = b.String()
	b.Reset()
	if err := msgs.text.ExecuteTemplate(&b, "layout.txt", v); err != nil {
		return "", "", "", fmt.Errorf("render %s text: %w", kind, err)
	}
	text = b.String()

	b.Reset()
	if err := msgs.html.ExecuteTemplate(&b, name+".body", d); err != nil {
		return "", "", "", fmt.Errorf("render %s html: %w", kind, err)
	}
	v.Body = htmltemplate.HTML(b.String()) // escaped by html/template just now
	b.Reset()
	if err := msgs.html.ExecuteTemplate(&b, "layout.html", v); err != nil {
		return "", "", "", fmt.Errorf("render %s html: %w", kind, err)
	}
	return subject, text, b.String(), nil
}

// settingsLink is d.Settings, or the portal's settings page on the host
// of d.Link.
func settingsLink(d Data) string {
	if d.Settings != "" {
		return d.Settings
	}
	u, err := url.Parse(d.Link)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "/portal/settings"
	}
	return u.Scheme + "://" + u.Host + "/portal/settings"
}
