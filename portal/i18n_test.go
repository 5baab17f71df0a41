package portal

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

var (
	// {{.T "text"}}, {{$.T "text" …}}, (.T "text")
	templateText = regexp.MustCompile(`\.T "((?:[^"\\]|\\.)*)"`)
	// msg("text") and w.T("text", …) in Go code
	goText   = regexp.MustCompile(`\bmsg\("((?:[^"\\]|\\.)*)"\)`)
	goTCalls = regexp.MustCompile(`\.T\("((?:[^"\\]|\\.)*)"`)
	// p.render(w, r, s, status, "page", "Title", …)
	renderTitle = regexp.MustCompile(`p\.render\([^"\n]*"[a-z_]+", "((?:[^"\\]|\\.)*)"`)
)

// portalTexts is every English text the portal translates: what the
// templates pass to T, the texts Go code marks with msg, page titles,
// navigation, notices, roles and the statuses of error pages.
func portalTexts(t *testing.T) map[string]string {
	t.Helper()
	texts := map[string]string{}
	add := func(where, quoted string) {
		s, err := strconv.Unquote(`"` + quoted + `"`)
		if err != nil {
			t.Fatalf("%s: %q: %v", where, quoted, err)
		}
		texts[s] = where
	}
	err := fs.WalkDir(templateFS, "templates", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(templateFS, name)
		for _, m := range templateText.FindAllStringSubmatch(string(raw), -1) {
			add(name, m[1])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	goFiles, _ := filepath.Glob("*.go")
	for _, f := range goFiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range []*regexp.Regexp{goText, goTCalls, renderTitle} {
			for _, m := range re.FindAllStringSubmatch(string(raw), -1) {
				add(f, m[1])
			}
		}
	}
	for _, role := range leadrouter.Roles {
		texts[string(role)] = "role"
		for _, l := range navFor(role) {
			texts[l.Label] = "navigation"
		}
	}
	// Values a template shows translated with $.T (print .Value).
	for _, v := range []string{string(leadrouter.PartnerActive), string(leadrouter.PartnerSuspended),
		string(leadrouter.RegistrationApproved), string(leadrouter.RegistrationPending), string(leadrouter.RegistrationRejected), string(leadrouter.RegistrationExpired),
		string(leadrouter.FlagGreen), string(leadrouter.FlagYellow), string(leadrouter.FlagRed),
		string(store.ChannelAPI), string(store.ChannelPortal), string(store.ChannelExport), store.ReadKindLead, store.ReadKindTimeline, store.ReadKindOpportunity,
		string(leadrouter.EffectRed), string(leadrouter.EffectYellow), string(leadrouter.EffectOwn), string(leadrouter.EffectNone), string(leadrouter.EffectClaimed), string(leadrouter.EffectCreated),
		string(leadrouter.ClaimRegistration), string(leadrouter.ClaimPID), string(leadrouter.ClaimAccountOwner), string(leadrouter.ClaimOpenRecord), string(leadrouter.ClaimRouted)} {
		texts[v] = "a value shown translated"
	}
	for _, v := range append(leadrouter.AssignmentStatusNames(), leadrouter.OpportunityStatusNames()...) {
		texts[v] = "a value shown translated"
	}
	for _, v := range append(append(leadrouter.LeadStatusNames(), leadrouter.SourceNames()...), "qualification", "lead", "contact", "account", "registration",
		string(leadrouter.ReassignmentOpen), string(leadrouter.ReassignmentResolved)) {
		texts[v] = "a value shown translated"
	}
	for _, n := range notices {
		texts[n] = "notices"
	}
	for _, code := range []string{leadrouter.EINVALID, leadrouter.ENOTFOUND, leadrouter.ECONFLICT, leadrouter.EFORBIDDEN,
		leadrouter.EUNAUTHORIZED, leadrouter.ETOOLARGE, leadrouter.ERATELIMIT, leadrouter.EUNAVAILABLE, leadrouter.EINTERNAL} {
		texts[http.StatusText(statusOf(leadrouter.Errorf(code, "x")))] = "error page"
	}
	return texts
}

// TestCataloguesAreComplete: every text the portal shows has a
// translation in every language it speaks, and no catalogue keeps a text
// nothing shows any more.
func TestCataloguesAreComplete(t *testing.T) {
	texts := portalTexts(t)
	dirs, err := fs.ReadDir(localeFS, "locales")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		msgs, err := readCatalogue(localeFS, "locales/"+d.Name())
		if err != nil {
			t.Fatal(err)
		}
		for text, where := range texts {
			if strings.TrimSpace(msgs[text]) == "" {
				t.Errorf("locales/%s: no translation of %q (from %s)", d.Name(), text, where)
			}
		}
		for text := range msgs {
			if _, used := texts[text]; !used {
				t.Errorf("locales/%s: %q is translated but nothing shows it", d.Name(), text)
			}
		}
	}
}

func TestLanguageOf(t *testing.T) {
	for _, c := range []struct {
		accept, chosen string
		want           language.Tag
	}{
		{"", "", language.English},
		{"de-DE,de;q=0.9,en;q=0.8", "", language.German},
		{"de-AT", "", language.German},
		{"fr-FR,fr;q=0.9", "", language.English},
		{"fr-FR,de;q=0.5", "", language.German},
		{"de-DE", "en", language.English},
		{"en-US", "de", language.German},
		{"garbage;;q=x", "", language.English},
	} {
		r := httptest.NewRequest("GET", "/portal", nil)
		if c.accept != "" {
			r.Header.Set("Accept-Language", c.accept)
		}
		if got := languageOf(r, c.chosen); got != c.want {
			t.Errorf("Accept-Language %q, chosen %q: %v, want %v", c.accept, c.chosen, got, c.want)
		}
	}
}
