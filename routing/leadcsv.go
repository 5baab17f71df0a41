package routing

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/leadrouter/leadrouter"
)

// leadColumns maps normalised CSV headers (lower case, letters and digits
// only) to the lead field they fill. It knows leadrouter's own export
// names and the usual CRM ones.
var leadColumns = map[string]string{
	"id": "id", "leadid": "id", "recordid": "id", "externalid": "id",
	"email": "email", "emailaddress": "email", "workemail": "email",
	"company": "company", "companyname": "company", "account": "company", "accountname": "company", "organization": "company", "organisation": "company",
	"country": "country", "countrycode": "country", "countryregion": "country", "countryiso": "country",
	"source": "source", "leadsource": "source",
	"formkind": "form_kind", "formtype": "form_kind",
	"title": "title", "jobtitle": "title",
	"companysize": "company_size", "employees": "company_size", "numberofemployees": "company_size", "noofemployees": "company_size",
	"employeecount": "company_size", "headcount": "company_size",
	"responses": "responses", "responsecount": "responses",
	"score": "score", "leadscore": "score",
	"pid": "pid", "partnerid": "pid", "partnercode": "pid", "creditedpid": "pid", "referralcode": "pid",
	"creditedpartnerid":     "credited_partner_id",
	"accountownerpartnerid": "account_owner_partner_id", "accountpartnerid": "account_owner_partner_id", "accountowner": "account_owner_partner_id",
	"duplicateof": "duplicate_of", "duplicateofleadid": "duplicate_of",
	"duplicateowner": "duplicate_owner",
	"createdat":      "day", "createddate": "day", "created": "day", "date": "day", "receivedat": "day", "day": "day",
}

// LeadReader streams leads from a CSV file whose first row names the
// columns. Unknown columns (first_name, phone, …) are ignored.
type LeadReader struct {
	r         *csv.Reader
	col       map[string]int
	dir       *dirIndex
	countries map[string]string // country as written → alpha-2 ("" when unknown)
	row       int
	// UnknownPIDs counts rows whose PID matched no partner (not credited).
	UnknownPIDs int
	// UnknownCountries counts, by the value written, rows whose country is
	// no ISO 3166 country (routed with the value as written).
	UnknownCountries map[string]int
}

// NewLeadReader reads the header row. dir resolves PIDs to partners.
func NewLeadReader(r io.Reader, dir Directory) (*LeadReader, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("leads CSV: the file is empty (want a header row such as email,company,country,source)")
		}
		return nil, fmt.Errorf("leads CSV header: %w", err)
	}
	lr := &LeadReader{r: cr, col: map[string]int{}, dir: dir.indexed(), countries: map[string]string{}, UnknownCountries: map[string]int{}, row: 1}
	for i, h := range header {
		if field, ok := leadColumns[normaliseHeader(h)]; ok {
			if _, dup := lr.col[field]; !dup {
				lr.col[field] = i
			}
		}
	}
	if _, ok := lr.col["country"]; !ok {
		return nil, fmt.Errorf("leads CSV: no country column among %q (routing needs the country)", header)
	}
	return lr, nil
}

// Columns returns the lead fields the header provides.
func (lr *LeadReader) Columns() []string {
	var fields []string
	for f := range lr.col {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	return fields
}

func normaliseHeader(h string) string {
	h = strings.TrimPrefix(h, "\ufeff")
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Next returns the next lead, or io.EOF after the last.
func (lr *LeadReader) Next() (Input, error) {
	rec, err := lr.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return Input{}, io.EOF
		}
		return Input{}, fmt.Errorf("leads CSV: %w", err)
	}
	lr.row++
	get := func(field string) string {
		if i, ok := lr.col[field]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	l := Input{
		Lead: leadrouter.Lead{ID: get("id"), Country: lr.country(get("country")), Source: leadrouter.Source(enumValue(get("source"))), FormKind: enumValue(get("form_kind")),
			Title: get("title"), Company: get("company"), CompanySize: leadingNumber(get("company_size")),
			Responses: leadingNumber(get("responses")), CreditedPartnerID: get("credited_partner_id")},
		Facts: Facts{OutsideScore: leadingNumber(get("score")), AccountOwnerPartnerID: get("account_owner_partner_id"),
			DuplicateOfLeadID: get("duplicate_of")},
	}
	if l.ID == "" {
		l.ID = get("email")
	}
	if l.ID == "" {
		l.ID = "row " + strconv.Itoa(lr.row)
	}
	if l.Responses == 0 {
		l.Responses = 1
	}
	if day := get("day"); len(day) >= 10 && day[4] == '-' && day[7] == '-' {
		l.Day = day[:10]
	}
	if pid := get("pid"); pid != "" && l.CreditedPartnerID == "" {
		if i, ok := lr.dir.byPID[strings.ToUpper(pid)]; ok {
			l.CreditedPartnerID = lr.dir.partners[i].ID
		} else if _, ok := lr.dir.byID[pid]; ok {
			l.CreditedPartnerID = pid
		} else {
			lr.UnknownPIDs++
		}
	}
	if l.DuplicateOfLeadID != "" {
		l.DuplicateOwner = parseOwner(get("duplicate_owner"))
	}
	return l, nil
}

// country returns the alpha-2 code of a country as written in the file
// (a code in any case, an alpha-3 code or an English name), or the value
// as written when it is not a country.
func (lr *LeadReader) country(s string) string {
	if s == "" {
		return ""
	}
	code, ok := lr.countries[s]
	if !ok {
		if c, err := leadrouter.ParseCountry(s); err == nil && countryIndex(c) >= 0 {
			code = c
		}
		lr.countries[s] = code
	}
	if code == "" {
		lr.UnknownCountries[s]++
	}
	return cmp.Or(code, s)
}

// enumValue turns "Web Form" or "demo-request" into web_form and
// demo_request.
func enumValue(s string) string {
	if s == "" {
		return ""
	}
	s = strings.ToLower(s)
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, s)
}

// leadingNumber reads "1,200", "51-200" (the lower bound) or "10000+".
func leadingNumber(s string) int {
	n, digits := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n < 1e9 {
				n = n*10 + int(c-'0')
			}
			digits++
		case (c == ',' || c == '_' || c == ' ' || c == '\'') && digits > 0:
		default:
			if digits > 0 {
				return n
			}
		}
	}
	return n
}

// parseOwner reads "user:u1", "partner:p1", "queue:q"; anything else is
// an owner known only by its id.
func parseOwner(s string) leadrouter.Owner {
	k, id, ok := strings.Cut(s, ":")
	kind := leadrouter.OwnerKind(k)
	switch {
	case ok && kind == leadrouter.OwnerPartner:
		return leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: id, PartnerID: id}
	case ok && (kind == leadrouter.OwnerUser || kind == leadrouter.OwnerQueue):
		return leadrouter.Owner{Kind: kind, ID: id}
	case s != "":
		return leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: s}
	}
	return leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "existing-owner"}
}

// WriteWarnings writes what the file held that routing could not use as
// given (unknown PIDs, countries that are no country), one line each.
func (lr *LeadReader) WriteWarnings(w io.Writer) {
	if lr.UnknownPIDs > 0 {
		fmt.Fprintf(w, "warning: %d lead(s) carry a PID no partner has: not credited\n", lr.UnknownPIDs)
	}
	if len(lr.UnknownCountries) > 0 {
		values := make([]string, 0, len(lr.UnknownCountries))
		n := 0
		for v, count := range lr.UnknownCountries {
			values = append(values, fmt.Sprintf("%q (%d)", v, count))
			n += count
		}
		sort.Strings(values)
		fmt.Fprintf(w, "warning: %d lead(s) have a country that is no ISO 3166 country, routed as written: %s\n", n, strings.Join(values, ", "))
	}
}
