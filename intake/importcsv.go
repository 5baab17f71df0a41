package intake

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/leadrouter/leadrouter"
)

// columnAliases maps the column names of common CRM lead exports (and our
// own) to submission fields. Keys are lower-cased with spaces, dashes and
// underscores removed.
var columnAliases = map[string]string{
	"firstname": "first_name", "givenname": "first_name", "first": "first_name",
	"lastname": "last_name", "surname": "last_name", "familyname": "last_name", "last": "last_name",
	"email": "email", "emailaddress": "email", "workemail": "email", "mail": "email",
	"phone": "phone", "phonenumber": "phone", "mobile": "phone", "mobilephone": "phone", "businessphone": "phone",
	"company": "company", "companyname": "company", "account": "company", "accountname": "company", "organization": "company", "organisation": "company",
	"title": "title", "jobtitle": "title", "position": "title",
	"country": "country", "countryregion": "country", "countrycode": "country", "mailingcountry": "country",
	"source": "source", "leadsource": "source",
	"campaign": "campaign", "campaignname": "campaign",
	"pid": "pid", "partnerid": "pid", "partnercode": "pid",
	"consent": "consent_share", "consentshare": "consent_share", "consenttext": "consent_text",
	"companysize": "company_size", "employees": "company_size", "numberofemployees": "company_size", "noofemployees": "company_size",
	// German CRM exports (a German Excel also separates with semicolons).
	"vorname": "first_name", "nachname": "last_name", "name": "last_name", "emailadresse": "email",
	"telefon": "phone", "telefonnummer": "phone", "mobiltelefon": "phone", "firma": "company", "unternehmen": "company",
	"firmenname": "company", "titel": "title", "land": "country", "quelle": "source", "leadquelle": "source",
	"kampagne": "campaign", "mitarbeiter": "company_size", "mitarbeiterzahl": "company_size", "anzahlmitarbeiter": "company_size",
}

func normaliseHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
	return strings.NewReplacer(" ", "", "_", "", "-", "", "/", "", ".", "").Replace(h)
}

// sourceOf maps CRM lead-source values to our sources; anything else is
// "import".
func sourceOf(v string) leadrouter.Source {
	switch s := strings.ToLower(strings.TrimSpace(v)); {
	case leadrouter.Source(s).Valid():
		return leadrouter.Source(s)
	case strings.Contains(s, "webinar"):
		return leadrouter.SourceWebinar
	case strings.Contains(s, "phone") || strings.Contains(s, "call"):
		return leadrouter.SourceCall
	case strings.Contains(s, "mail"):
		return leadrouter.SourceEmail
	case strings.Contains(s, "web"):
		return leadrouter.SourceWebForm
	case strings.Contains(s, "event") || strings.Contains(s, "trade show") || strings.Contains(s, "conference"):
		return leadrouter.SourceEvent
	}
	return leadrouter.SourceImport
}

// RowOutcome is what an import did with one row.
type RowOutcome struct {
	Row     int    // 1-based data row (the header is row 0)
	Outcome string // created, merged, unchanged, rejected, skipped
	LeadID  string
	Detail  string
}

// ImportReport sums an import up.
type ImportReport struct {
	Rows, Created, Merged, Unchanged, Rejected, Skipped int
}

// Import streams a CSV of leads through capture: header-driven, rows
// prepared by concurrent workers and committed in file order by the
// group-commit writer (many rows a transaction), outcomes reported in row
// order through emit. Every row carries an idempotency key
// made of its content, so running the same file again changes nothing and
// reports "unchanged".
func (s *Service) Import(ctx context.Context, actor leadrouter.Actor, r io.Reader, workers int, emit func(RowOutcome)) (ImportReport, error) {
	var rep ImportReport
	br := bufio.NewReaderSize(r, 64<<10)
	// Spreadsheet exports begin with a byte-order mark, which the CSV
	// reader would take for the header's first bytes.
	if bom, err := br.Peek(3); err == nil && string(bom) == "\ufeff" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comma = sniffDelimiter(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return rep, fmt.Errorf("read CSV header: %w", err)
	}
	fields := make([]string, len(header))
	known := 0
	for i, h := range header {
		fields[i] = columnAliases[normaliseHeader(h)]
		if fields[i] != "" {
			known++
		}
	}
	if known == 0 {
		return rep, leadrouter.Errorf(leadrouter.EINVALID, "the CSV header names none of the known columns (e.g. First Name, Last Name, Email, Company, Country, Lead Source); it was read as separated by %q", cr.Comma)
	}
	if workers <= 0 {
		workers = 32
	}
	// Rows are read and prepared (validated, their facts gathered) by
	// concurrent workers, then handed to the writer strictly in file order,
	// so that rows of one person apply in the order of the file (the first
	// creates, later ones are responses) and routing sees the leads in the
	// same order on every run: the same file gives the same leads and the
	// same report. The writer still commits them many at a time.
	type job struct {
		row    int
		record []string
		err    error
	}
	jobs := make(chan job, workers*2)
	prepared := make(chan importRow, workers*2)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				prepared <- s.prepareRow(ctx, j.row, fields, j.record, j.err)
			}
		}()
	}
	go func() {
		defer close(jobs)
		for row := 1; ; row++ {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			var perr *csv.ParseError
			if err != nil && !errors.As(err, &perr) {
				jobs <- job{row: row, err: err}
				return
			}
			select {
			case jobs <- job{row: row, record: rec, err: err}:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(prepared) }()

	// In file order: each prepared row goes to the writer, and its outcome
	// is awaited in the same order (at most inFlight rows ahead).
	const inFlight = 1024
	submitted := make(chan importRow, inFlight)
	go func() {
		defer close(submitted)
		pending := map[int]importRow{}
		next := 1
		for r := range prepared {
			pending[r.row] = r
			for {
				r, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				next++
				if r.outcome == nil {
					r.wait = s.Submit(ctx, actor, r.prepared, r.idem)
				}
				submitted <- r
			}
		}
	}()
	for r := range submitted {
		o := r.finish()
		rep.Rows++
		switch o.Outcome {
		case "created":
			rep.Created++
		case "merged":
			rep.Merged++
		case "unchanged":
			rep.Unchanged++
		case "skipped":
			rep.Skipped++
		default:
			rep.Rejected++
		}
		if emit != nil {
			emit(o)
		}
	}
	return rep, ctx.Err()
}

// importRow is one CSV row on its way through an import: prepared for the
// writer, or already decided (outcome set: blank, unreadable, invalid).
type importRow struct {
	row      int
	outcome  *RowOutcome
	prepared Prepared
	idem     *Idempotency
	notes    []string
	wait     func() (Result, error)
}

// finish waits for the row's commit and says what became of it.
func (r importRow) finish() RowOutcome {
	if r.outcome != nil {
		return *r.outcome
	}
	res, err := r.wait()
	out := rowOutcome(r.row, res, err, r.idem)
	if len(r.notes) > 0 && out.Outcome != "rejected" {
		out.Detail += "; " + strings.Join(r.notes, "; ")
	}
	return out
}

func (s *Service) prepareRow(ctx context.Context, row int, fields, rec []string, readErr error) importRow {
	if readErr != nil {
		return importRow{row: row, outcome: &RowOutcome{Row: row, Outcome: "rejected", Detail: "unreadable CSV row: " + readErr.Error()}}
	}
	blank := true
	for _, v := range rec {
		blank = blank && strings.TrimSpace(v) == ""
	}
	if blank {
		return importRow{row: row, outcome: &RowOutcome{Row: row, Outcome: "skipped", Detail: "blank row"}}
	}
	sub := Submission{Source: leadrouter.SourceImport}
	var notes []string // what of the row was not taken, for the report
	for i, v := range rec {
		if i >= len(fields) {
			break
		}
		switch fields[i] {
		case "first_name":
			sub.FirstName = v
		case "last_name":
			sub.LastName = v
		case "email":
			sub.Email = v
		case "phone":
			sub.Phone = v
		case "company":
			sub.Company = v
		case "title":
			sub.Title = v
		case "country":
			sub.Country = v
		case "source":
			sub.Source = sourceOf(v)
		case "campaign":
			sub.Campaign = v
		case "pid":
			sub.PID = v
		case "consent_share":
			yes := strings.EqualFold(strings.TrimSpace(v), "true") || strings.EqualFold(strings.TrimSpace(v), "yes") || strings.TrimSpace(v) == "1"
			sub.ConsentShare = &yes
		case "consent_text":
			sub.ConsentText = v
		case "company_size":
			if size, ok := parseCount(v); ok {
				sub.CompanySize = size
			} else {
				notes = append(notes, fmt.Sprintf("company size %q ignored: not a number of employees", v))
			}
		}
	}
	if sub.ConsentShare != nil && *sub.ConsentShare && sub.ConsentText == "" {
		sub.ConsentText = "Consent recorded in the source system before import."
	}
	sum := sha256.Sum256([]byte(strings.Join(rec, "\x1f")))
	hash := hex.EncodeToString(sum[:])
	idem := &Idempotency{UserID: "import", Key: "row:" + hash, RequestHash: hash, Render: func(res Result) (int, []byte) {
		b, _ := json.Marshal(map[string]string{"lead_id": res.Lead.ID, "duplicate_of": res.DuplicateOf})
		if res.Created {
			return 201, b
		}
		return 200, b
	}}
	p, err := s.Prepare(ctx, sub)
	if err != nil {
		out := rowOutcome(row, Result{}, err, idem)
		return importRow{row: row, outcome: &out}
	}
	return importRow{row: row, prepared: p, idem: idem, notes: notes}
}

// rowOutcome says what became of one row's capture.
func rowOutcome(row int, res Result, err error, idem *Idempotency) RowOutcome {
	switch {
	case err != nil:
		detail := leadrouter.ErrorMessage(err)
		if leadrouter.ErrorCode(err) == leadrouter.EINTERNAL {
			// The operator running an import sees the cause.
			detail = "internal error: " + err.Error()
		}
		for _, f := range leadrouter.ErrorFields(err) {
			detail += "; " + f.Field + " " + f.Message
		}
		return RowOutcome{Row: row, Outcome: "rejected", Detail: detail}
	case idem.Replayed != nil:
		var prev map[string]string
		_ = json.Unmarshal(idem.Replayed.Body, &prev)
		id := prev["lead_id"]
		if id == "" {
			id = prev["duplicate_of"]
		}
		return RowOutcome{Row: row, Outcome: "unchanged", LeadID: id, Detail: "the same row was imported before (earlier in this file or by an earlier run)"}
	case res.Created:
		return RowOutcome{Row: row, Outcome: "created", LeadID: res.Lead.ID, Detail: "rule " + res.Decision.Rule}
	case res.DuplicateKind == "contact" && res.Lead.ID != "":
		return RowOutcome{Row: row, Outcome: "merged", LeadID: res.Lead.ID,
			Detail: "merged into existing contact " + res.DuplicateOf + " (converted from lead " + res.Lead.ID + ")"}
	default:
		return RowOutcome{Row: row, Outcome: "merged", LeadID: res.DuplicateOf, Detail: "merged into existing " + res.DuplicateKind + " " + res.DuplicateOf}
	}
}

// sniffDelimiter reads the header line (without consuming it) and returns
// the separator it uses: a comma, or the semicolon of European
// spreadsheets, or a tab, whichever occurs most outside quotes.
func sniffDelimiter(br *bufio.Reader) rune {
	head, _ := br.Peek(br.Buffered())
	if len(head) == 0 {
		head, _ = br.Peek(4096)
	}
	counts := map[rune]int{}
	quoted := false
	for _, c := range string(head) {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			return mostFrequent(counts)
		case c == ',' || c == ';' || c == '\t':
			counts[c]++
		}
	}
	return mostFrequent(counts)
}

func mostFrequent(counts map[rune]int) rune {
	best := ','
	for _, c := range []rune{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

// thousands matches a whole number written with or without thousands
// separators.
var thousands = regexp.MustCompile(`^(\d+|\d{1,3}([,. '\x{00a0}]\d{3})+)$`)

// parseCount reads a number of employees as spreadsheets write it: "1200",
// "1,200", "1.200", "1 200", or a range ("51-200", "10,001+") as its lower
// bound ("" is none).
func parseCount(v string) (int, bool) {
	v = strings.TrimSpace(v)
	if lo, _, ok := strings.Cut(v, "-"); ok && lo != "" {
		v = lo
	}
	v = strings.TrimSuffix(v, "+")
	// Thousands separators only between groups of three digits: "12,5" is
	// a decimal, not 125.
	if !thousands.MatchString(v) {
		return 0, false
	}
	v = strings.NewReplacer(",", "", ".", "", " ", "", "\u00a0", "", "'", "").Replace(v)
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 0
}
