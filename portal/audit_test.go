package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
)

// axePath is axe-core from the npm registry, installed by `make test`
// (npm ci --prefix portal/testdata/axe) at the version its package.json pins.
const axePath = "testdata/axe/node_modules/axe-core/axe.min.js"

var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(axePath)
	return string(b), err
})

// internalID is an id the store makes (lead_…, usr_…, ptr_…, …): the
// portal names records by what people call them, never by these.
var internalID = regexp.MustCompile(`\b(lead|usr|ptr|acc|con|opp|reg|asg|cfl|cns|rar|ntf|whk|frm|tok)_[0-9a-z]{20,}\b`)

// axeViolation is one rule axe found broken, with where.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// Check audits the page the browser shows: axe-core finds no serious or
// critical violation, and no text on it is an internal id. Every page a
// browser test visits is checked this way.
func (b *browser) Check(what string) {
	b.t.Helper()
	src, err := axeSource()
	if err != nil {
		b.t.Fatalf("axe-core is not installed (%v): run `make test`, or `npm ci --prefix portal/testdata/axe`", err)
	}
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	// The portal's CSP forbids scripts it did not serve: the test
	// injects axe through the DevTools protocol, which CSP does not govern.
	// The page may still be replacing the one before it (a redirect after
	// a POST): the audit runs again on the page that stays.
	var raw string
	for {
		raw, err = b.axe(ctx, src)
		if err == nil {
			break
		}
		if (!navigatedAway(err) && !strings.Contains(err.Error(), "navigated or closed")) || ctx.Err() != nil {
			b.t.Fatalf("%s: axe: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var violations []axeViolation
	if err := json.Unmarshal([]byte(raw), &violations); err != nil {
		b.t.Fatalf("%s: axe result: %v", what, err)
	}
	for _, v := range violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, fmt.Sprint(n.Target...))
			}
			b.t.Errorf("%s: accessibility (%s) %s: %s at %s", what, v.Impact, v.ID, v.Help, strings.Join(where, ", "))
		}
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.title + "\n" + document.body.innerText`))
	if err != nil {
		b.t.Fatalf("%s: page text: %v", what, err)
	}
	if ids := internalID.FindAllString(text, 5); len(ids) > 0 {
		b.t.Errorf("%s: the page shows internal ids %v", what, ids)
	}
	b.checked++
}

// axe injects axe-core into the page and returns its violations as JSON.
func (b *browser) axe(ctx context.Context, src string) (string, error) {
	if err := chromedp.Do(ctx, chromedp.WaitReady(css("body"))); err != nil {
		return "", err
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === "complete" || new Promise(r => addEventListener("load", () => r(true)))`, chromedp.EvalAwaitPromise)); err != nil {
		return "", err
	}
	// One evaluation defines axe and runs it: as two, a page replaced
	// between them (a redirect landing late) ran the second on a document
	// without axe ("axe is not defined").
	return chromedp.Run(ctx, chromedp.Evaluate[string](
		src+"\n;axe.run(document, {resultTypes: [\"violations\"]}).then(r => JSON.stringify(r.violations))", chromedp.EvalAwaitPromise))
}
