package portal

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// The portal's words are English in the templates and the Go code
// (through view.T / Portal.words), translated by message catalogues:
// locales/<lang>/*.json, each a flat object from the English text (a
// fmt format when it takes arguments) to the translation. A page's
// words may live in a file of their own, so adding a page touches no
// other page's catalogue. TestCataloguesAreComplete checks that every
// text a template passes to T has a translation in every language.

//go:embed locales
var localeFS embed.FS

// portalLanguages are the languages the portal speaks, English first
// (the fallback).
var portalLanguages = []language.Tag{language.English, language.German}

var languageMatcher = language.NewMatcher(portalLanguages)

// loadCatalog reads every locales/<lang>/*.json into one catalogue.
func loadCatalog(fsys fs.FS) (catalog.Catalog, error) {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	dirs, err := fs.ReadDir(fsys, "locales")
	if err != nil {
		return nil, fmt.Errorf("portal: locales: %w", err)
	}
	for _, d := range dirs {
		tag, err := language.Parse(d.Name())
		if err != nil || !d.IsDir() {
			return nil, fmt.Errorf("portal: locales/%s is no language", d.Name())
		}
		msgs, err := readCatalogue(fsys, path.Join("locales", d.Name()))
		if err != nil {
			return nil, err
		}
		for key, text := range msgs {
			if err := b.SetString(tag, key, text); err != nil {
				return nil, fmt.Errorf("portal: locales/%s: %q: %w", d.Name(), key, err)
			}
		}
	}
	return b, nil
}

// readCatalogue merges the JSON files of one language's folder; a text
// translated twice is an error.
func readCatalogue(fsys fs.FS, dir string) (map[string]string, error) {
	files, err := fs.Glob(fsys, dir+"/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	out := map[string]string{}
	for _, f := range files {
		raw, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("portal: %s: %w", f, err)
		}
		for k, v := range m {
			if _, dup := out[k]; dup {
				return nil, fmt.Errorf("portal: %s translates %q again", f, k)
			}
			out[k] = v
		}
	}
	return out, nil
}

// languageOf is the language a request is answered in: the user's
// choice, else the best match of the browser's Accept-Language, else
// English.
func languageOf(r *http.Request, chosen string) language.Tag {
	if chosen != "" {
		if t, err := language.Parse(chosen); err == nil {
			_, i, _ := languageMatcher.Match(t)
			return portalLanguages[i]
		}
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return language.English
	}
	_, i, conf := languageMatcher.Match(tags...)
	if conf == language.No {
		return language.English
	}
	return portalLanguages[i]
}

// words translates one request's texts.
type words struct {
	p    *message.Printer
	lang language.Tag
	loc  *time.Location
}

func (p *Portal) wordsFor(r *http.Request, s *session) words {
	var chosen, zone string
	if s != nil {
		chosen, zone = s.lang, s.zone
	}
	tag := languageOf(r, chosen)
	loc := time.UTC
	if zone != "" {
		if l, err := time.LoadLocation(zone); err == nil {
			loc = l
		}
	}
	return words{p: message.NewPrinter(tag, message.Catalog(p.catalog)), lang: tag, loc: loc}
}

// T translates an English text; with arguments the text is a fmt format.
func (w words) T(text string, args ...any) string {
	if w.p == nil {
		if len(args) == 0 {
			return text
		}
		return message.NewPrinter(language.English).Sprintf(message.Key(text, text), args...)
	}
	// A message.Key: the text is a catalogue key, not a format vet checks.
	return w.p.Sprintf(message.Key(text, text), args...)
}

// Text translates a text that takes no values and may hold a % (an error
// message): the catalogue's translation when it has one, else the text.
func (w words) Text(text string) string {
	return w.T(strings.ReplaceAll(text, "%", "%%"))
}

// Date shows a time in the reader's zone, with the zone's abbreviation.
// It takes a time.Time, a *time.Time or an RFC 3339 string; a nil or
// empty one shows as nothing.
func (w words) Date(v any) string {
	var t time.Time
	switch d := v.(type) {
	case time.Time:
		t = d
	case *time.Time:
		if d == nil {
			return ""
		}
		t = *d
	case string:
		parsed, err := time.Parse(time.RFC3339Nano, d)
		if err != nil {
			return d
		}
		t = parsed
	case *string:
		if d == nil {
			return ""
		}
		return w.Date(*d)
	default:
		return fmt.Sprint(v)
	}
	if t.IsZero() {
		return ""
	}
	loc := w.loc
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// Zone names the zone dates are shown in.
func (w words) Zone() string {
	if w.loc == nil {
		return "UTC"
	}
	return w.loc.String()
}

// Lang is the page's language as an HTML lang attribute.
func (w words) Lang() string {
	base, _ := w.lang.Base()
	return strings.ToLower(base.String())
}

// msg marks an English text in Go code that a template translates later
// (with $.T): TestCataloguesAreComplete finds the texts by this call.
func msg(text string) string { return text }
