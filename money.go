package leadrouter

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"golang.org/x/text/currency"
)

// Money is an amount in an ISO 4217 currency, in the currency's minor
// units (cents for EUR, yen for JPY, fils for BHD): never a float.
type Money struct {
	Currency string // ISO 4217 code, upper case
	Minor    int64  // amount in minor units, ≥ 0
}

// maxAmountDigits bounds the digits of an amount (a deal of 10^15 is
// beyond any this product will see; int64 holds it with room).
const maxAmountDigits = 15

// ParseMoney reads an amount written as a decimal ("1200", "1200.5",
// "1200.50"; no sign, exponent or thousands separators) in currency, an
// ISO 4217 code. More decimals than the currency has are refused (EUR has
// two, JPY none, BHD three).
func ParseMoney(amount, cur string) (Money, error) {
	var v Validation
	unit, err := currency.ParseISO(strings.TrimSpace(cur))
	if err != nil || len(strings.TrimSpace(cur)) != 3 {
		v.Add("currency", "must be an ISO 4217 currency code such as EUR or USD")
	}
	amount = strings.TrimSpace(amount)
	whole, frac, hasPoint := strings.Cut(amount, ".")
	digitsOnly := func(s string) bool {
		for _, c := range s {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	if whole == "" || !digitsOnly(whole) || !digitsOnly(frac) || (hasPoint && frac == "") || len(whole)+len(frac) > maxAmountDigits {
		v.Add("amount", "must be a decimal number such as 1200 or 1200.50 (no sign, at most %d digits)", maxAmountDigits)
	}
	if err := v.Err(); err != nil {
		return Money{}, err
	}
	scale, _ := currency.Standard.Rounding(unit)
	if len(frac) > scale {
		v.Add("amount", "%s has %d decimals; %q has %d", unit, scale, amount, len(frac))
		return Money{}, v.Err()
	}
	digits := whole + frac + strings.Repeat("0", scale-len(frac))
	minor, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		v.Add("amount", "is too large")
		return Money{}, v.Err()
	}
	return Money{Currency: unit.String(), Minor: minor}, nil
}

// scale is the number of decimals of m's currency.
func (m Money) scale() int {
	unit, err := currency.ParseISO(m.Currency)
	if err != nil {
		return 2
	}
	s, _ := currency.Standard.Rounding(unit)
	return s
}

// Decimal is the amount as a decimal with the currency's decimals
// ("1200.50" EUR, "1200" JPY).
func (m Money) Decimal() string {
	s := strconv.FormatInt(m.Minor, 10)
	scale := m.scale()
	if scale == 0 {
		return s
	}
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	return s[:len(s)-scale] + "." + s[len(s)-scale:]
}

// String is "1200.50 EUR".
func (m Money) String() string { return m.Decimal() + " " + m.Currency }

// IsZero reports whether no amount is set.
func (m Money) IsZero() bool { return m.Currency == "" }

// Add sums two amounts of one currency.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, Errorf(EINVALID, "cannot add %s to %s", o.Currency, m.Currency)
	}
	if o.Minor > math.MaxInt64-m.Minor {
		return Money{}, Errorf(EINVALID, "the sum is too large")
	}
	return Money{Currency: m.Currency, Minor: m.Minor + o.Minor}, nil
}

// MarshalJSON writes {"amount":"1200.50","currency":"EUR"}: the amount as
// a string, so no client reads it as a float.
func (m Money) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Amount   string `json:"amount"`
		Currency string `json:"currency"`
	}{m.Decimal(), m.Currency})
}

// UnmarshalJSON reads what MarshalJSON writes; the amount may also be a
// JSON number, read as its text, never through a float.
func (m *Money) UnmarshalJSON(b []byte) error {
	var raw struct {
		Amount   json.RawMessage `json:"amount"`
		Currency string          `json:"currency"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return Errorf(EINVALID, "want {\"amount\": \"1200.50\", \"currency\": \"EUR\"}")
	}
	amount := strings.Trim(string(raw.Amount), `"`)
	v, err := ParseMoney(amount, raw.Currency)
	if err != nil {
		return err
	}
	*m = v
	return nil
}
