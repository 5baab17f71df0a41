package leadrouter

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"golang.org/x/text/currency"
)

// Money is an amount in an ISO 4217 currency, in the currency's minor
// units (cents for EUR, yen for JPY, fils for BHD): never a float. The
// zero value (no currency) is no amount.
type Money struct {
	Currency string // ISO 4217 code, upper case
	Minor    int64  // amount in minor units, ≥ 0
}

// maxAmountDigits bounds the digits of an amount, not counting leading
// zeros nor zeros ending its decimals: 999999999999999 or
// 9999999999999.99 (a deal of 10^15 is beyond any this product will see).
const maxAmountDigits = 15

// maxAmountText bounds the text ParseMoney looks at, leading zeros and all.
const maxAmountText = 40

// notMoney lists the ISO 4217 codes that are no currency a deal is paid
// in: no currency, testing, precious metals, bond market units and the
// IMF's drawing rights.
var notMoney = map[string]bool{
	"XXX": true, "XTS": true, "XAU": true, "XAG": true, "XPT": true, "XPD": true,
	"XBA": true, "XBB": true, "XBC": true, "XBD": true, "XDR": true, "XSU": true, "XUA": true,
}

// ParseMoney reads an amount written as a decimal ("1200", "1200.5",
// "1200.50"; no sign, exponent or thousands separators; at most 15 digits)
// in cur, an ISO 4217 currency code (any case). More decimals than the
// currency has are refused: EUR has two, JPY none, BHD three. Errors are
// EINVALID with the field "amount" or "currency".
func ParseMoney(amount, cur string) (Money, error) {
	var v Validation
	unit, ok := parseCurrency(cur)
	if !ok {
		v.Add("currency", "must be an ISO 4217 currency code such as EUR or USD")
	}
	amount = strings.TrimSpace(amount)
	whole, frac, hasPoint := strings.Cut(amount, ".")
	if len(amount) > maxAmountText || whole == "" || !allDigits(whole) || !allDigits(frac) || (hasPoint && frac == "") {
		v.Add("amount", "must be a decimal number such as 1200 or 1200.50 (no sign, at most %d digits)", maxAmountDigits)
	} else if significantDigits(whole, frac) > maxAmountDigits {
		v.Add("amount", "has more than %d digits", maxAmountDigits)
	}
	if err := v.Err(); err != nil {
		return Money{}, err
	}
	scale := currencyScale(unit)
	if len(frac) > scale {
		v.Add("amount", "%s has %d decimals; %q has %d", unit, scale, amount, len(frac))
		return Money{}, v.Err()
	}
	minor, err := strconv.ParseInt(whole+frac+strings.Repeat("0", scale-len(frac)), 10, 64)
	if err != nil {
		v.Add("amount", "is too large")
		return Money{}, v.Err()
	}
	return Money{Currency: unit.String(), Minor: minor}, nil
}

// parseCurrency reads a three-letter ISO 4217 code of a currency money is
// paid in.
func parseCurrency(cur string) (currency.Unit, bool) {
	cur = strings.TrimSpace(cur)
	if len(cur) != 3 {
		return currency.Unit{}, false
	}
	unit, err := currency.ParseISO(cur)
	if err != nil || notMoney[unit.String()] {
		return currency.Unit{}, false
	}
	return unit, true
}

// currencyScale is the number of decimals (minor-unit digits) of unit.
func currencyScale(unit currency.Unit) int {
	scale, _ := currency.Standard.Rounding(unit)
	return scale
}

// allDigits reports whether s has only the digits 0-9 (true for "").
func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// significantDigits counts the digits of whole and frac without the
// leading zeros of whole and the trailing zeros of frac.
func significantDigits(whole, frac string) int {
	return len(strings.TrimLeft(whole, "0")) + len(strings.TrimRight(frac, "0"))
}

// scale is the number of decimals of m's currency (2 for a code the
// currency table does not know).
func (m Money) scale() int {
	unit, err := currency.ParseISO(m.Currency)
	if err != nil {
		return 2
	}
	return currencyScale(unit)
}

// Decimal is the amount as a decimal with the currency's decimals
// ("1200.50" EUR, "1200" JPY, "0.500" BHD).
func (m Money) Decimal() string {
	sign, digits := "", strconv.FormatInt(m.Minor, 10)
	if m.Minor < 0 { // not a valid Money, but printed truthfully
		sign, digits = "-", digits[1:]
	}
	scale := m.scale()
	if scale == 0 {
		return sign + digits
	}
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	return sign + digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
}

// String is "1200.50 EUR".
func (m Money) String() string { return m.Decimal() + " " + m.Currency }

// IsZero reports whether no amount is set (no currency). An amount of
// 0.00 EUR is not zero in this sense.
func (m Money) IsZero() bool { return m.Currency == "" }

// Add sums two amounts of one currency; the zero Money adds as nothing.
// The sum must stay within what ParseMoney reads (15 digits), so every
// Money prints as text that reads back.
func (m Money) Add(o Money) (Money, error) {
	switch {
	case o.IsZero():
		return m, nil
	case m.IsZero():
		return o, nil
	case m.Currency != o.Currency:
		return Money{}, Errorf(EINVALID, "Cannot add %s to %s.", o.Currency, m.Currency)
	case m.Minor < 0 || o.Minor < 0:
		return Money{}, Errorf(EINVALID, "Amounts are never negative.")
	case o.Minor > math.MaxInt64-m.Minor:
		return Money{}, Errorf(EINVALID, "The sum is too large.")
	}
	sum := Money{Currency: m.Currency, Minor: m.Minor + o.Minor}
	whole, frac, _ := strings.Cut(sum.Decimal(), ".")
	if significantDigits(whole, frac) > maxAmountDigits {
		return Money{}, Errorf(EINVALID, "The sum has more than %d digits.", maxAmountDigits)
	}
	return sum, nil
}

// moneyJSON is Money on the wire.
type moneyJSON struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// MarshalJSON writes {"amount":"1200.50","currency":"EUR"}: the amount as
// a string, so no client reads it as a float. The zero Money is null.
func (m Money) MarshalJSON() ([]byte, error) {
	if m.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(moneyJSON{m.Decimal(), m.Currency})
}

// UnmarshalJSON reads what MarshalJSON writes (null leaves m as it is).
// The amount may also be a JSON number; its text is read as ParseMoney
// reads a string (no exponent, decimals that fit), never through a float.
func (m *Money) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	var raw struct {
		Amount   json.RawMessage `json:"amount"`
		Currency string          `json:"currency"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return Errorf(EINVALID, `Money is written {"amount": "1200.50", "currency": "EUR"}.`)
	}
	amount, ok := jsonAmount(raw.Amount)
	if !ok {
		v := Validation{}
		v.Add("amount", "must be a decimal number such as \"1200.50\"")
		return v.Err()
	}
	parsed, err := ParseMoney(amount, raw.Currency)
	if err != nil {
		return err
	}
	*m = parsed
	return nil
}

// jsonAmount is the text of a JSON string or number; false for anything
// else (missing, null, true, objects).
func jsonAmount(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		return s, json.Unmarshal(raw, &s) == nil
	case c == '-' || c >= '0' && c <= '9':
		var n json.Number
		if json.Unmarshal(raw, &n) != nil {
			return "", false
		}
		return n.String(), true
	}
	return "", false
}
