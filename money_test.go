package leadrouter

import (
	"encoding/json"
	"math"
	"testing"
)

// MustMoney parses amount in cur or fails the test.
func MustMoney(tb testing.TB, amount, cur string) Money {
	tb.Helper()
	m, err := ParseMoney(amount, cur)
	if err != nil {
		tb.Fatalf("ParseMoney(%q, %q): %v", amount, cur, err)
	}
	return m
}

func TestParseMoney(t *testing.T) {
	for _, c := range []struct {
		amount, cur, want string
		minor             int64
	}{
		{"1200", "EUR", "1200.00 EUR", 120000}, {"1200.5", "eur", "1200.50 EUR", 120050}, {"1200.50", " EUR ", "1200.50 EUR", 120050},
		{"0.07", "USD", "0.07 USD", 7}, {"0", "USD", "0.00 USD", 0}, {"007", "USD", "7.00 USD", 700}, {" 12 ", "CHF", "12.00 CHF", 1200},
		{"1200", "JPY", "1200 JPY", 1200}, {"12.345", "BHD", "12.345 BHD", 12345}, {"0.5", "KWD", "0.500 KWD", 500},
		{"1.2345", "CLF", "1.2345 CLF", 12345}, {"5", "XOF", "5 XOF", 5},
		{"999999999999999", "JPY", "999999999999999 JPY", 999999999999999},
		{"999999999999999", "EUR", "999999999999999.00 EUR", 99999999999999900},
		{"9999999999999.99", "EUR", "9999999999999.99 EUR", 999999999999999},
		{"0000000000000000001", "EUR", "1.00 EUR", 100},
	} {
		m, err := ParseMoney(c.amount, c.cur)
		if err != nil || m.String() != c.want || m.Minor != c.minor || m.IsZero() {
			t.Errorf("%q %q: %+v %v, want %s", c.amount, c.cur, m, err, c.want)
			continue
		}
		if back, err := ParseMoney(m.Decimal(), m.Currency); err != nil || back != m {
			t.Errorf("%s does not read back: %v %v", m, back, err)
		}
	}
	for _, c := range []struct{ amount, cur, field string }{
		{"12.345", "EUR", "amount"}, {"1.5", "JPY", "amount"}, {"1.0", "JPY", "amount"}, {"1.23456", "CLF", "amount"},
		{"-5", "EUR", "amount"}, {"-0", "EUR", "amount"}, {"+5", "EUR", "amount"}, {"1e3", "EUR", "amount"},
		{"1,200", "EUR", "amount"}, {"1 200", "EUR", "amount"}, {"1_200", "EUR", "amount"}, {"", "EUR", "amount"},
		{"12.", "EUR", "amount"}, {".5", "EUR", "amount"}, {"1.2.3", "EUR", "amount"}, {"٣", "EUR", "amount"},
		{"0x10", "EUR", "amount"}, {"NaN", "EUR", "amount"}, {"Inf", "EUR", "amount"},
		{"1234567890123456", "EUR", "amount"}, {"9999999999999.999", "BHD", "amount"}, {"99999999999999.99", "EUR", "amount"},
		{"999999999999999", "CLF", "amount"}, // 15 digits, but 10^19 minor units overflow int64
		{"00000000000000000000000000000000000000001", "EUR", "amount"},
		{"5", "EURO", "currency"}, {"5", "XYZ", "currency"}, {"5", "", "currency"}, {"5", "€", "currency"},
		{"5", "XXX", "currency"}, {"5", "XAU", "currency"}, {"5", "XTS", "currency"}, {"5", "E U", "currency"},
	} {
		_, err := ParseMoney(c.amount, c.cur)
		fields := ErrorFields(err)
		if ErrorCode(err) != EINVALID || len(fields) == 0 || fields[0].Field != c.field {
			t.Errorf("%q %q: %v, want an error on %s", c.amount, c.cur, err, c.field)
		}
	}
	if _, err := ParseMoney("1.5", "JPY"); err == nil || ErrorFields(err)[0].Message != `JPY has 0 decimals; "1.5" has 1` {
		t.Errorf("decimals message: %v", err)
	}
}

func TestMoneyAdd(t *testing.T) {
	a, b := MustMoney(t, "10.50", "EUR"), MustMoney(t, "0.75", "EUR")
	if sum, err := a.Add(b); err != nil || sum.String() != "11.25 EUR" {
		t.Errorf("sum %v %v", sum, err)
	}
	var total Money
	for _, m := range []Money{a, b, a} {
		var err error
		if total, err = total.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	if total.String() != "21.75 EUR" {
		t.Errorf("total %s", total)
	}
	for _, c := range []struct{ a, b Money }{
		{a, Money{Currency: "USD", Minor: 1}},
		{a, Money{Currency: "EUR", Minor: -1}},
		{Money{Currency: "EUR", Minor: math.MaxInt64}, Money{Currency: "EUR", Minor: 1}},
		{MustMoney(t, "999999999999999", "EUR"), MustMoney(t, "1", "EUR")},
	} {
		if sum, err := c.a.Add(c.b); ErrorCode(err) != EINVALID {
			t.Errorf("%s + %s = %v %v, want invalid", c.a, c.b, sum, err)
		}
	}
	// The largest sum reads back.
	big, err := MustMoney(t, "999999999999998", "JPY").Add(MustMoney(t, "1", "JPY"))
	if err != nil || big.String() != "999999999999999 JPY" {
		t.Errorf("largest sum %v %v", big, err)
	}
}

func TestMoneyDecimal(t *testing.T) {
	for _, c := range []struct {
		m    Money
		want string
	}{
		{Money{"EUR", 5}, "0.05 EUR"}, {Money{"EUR", 0}, "0.00 EUR"}, {Money{"BHD", 5}, "0.005 BHD"}, {Money{"JPY", 0}, "0 JPY"},
		{Money{"EUR", -5}, "-0.05 EUR"}, {Money{"EUR", -12345}, "-123.45 EUR"}, {Money{"EUR", math.MinInt64}, "-92233720368547758.08 EUR"},
	} {
		if got := c.m.String(); got != c.want {
			t.Errorf("%+v: %s, want %s", c.m, got, c.want)
		}
	}
}

func TestMoneyJSON(t *testing.T) {
	m := MustMoney(t, "1200.5", "EUR")
	b, err := json.Marshal(m)
	if err != nil || string(b) != `{"amount":"1200.50","currency":"EUR"}` {
		t.Errorf("json %s %v", b, err)
	}
	for _, in := range []string{
		`{"amount":"1200.50","currency":"EUR"}`, `{"amount":1200.5,"currency":"EUR"}`, `{"amount":1200.50,"currency":"eur"}`,
		`{"amount":"1200.5","currency":"EUR","note":"ignored"}`, `{"currency":"EUR","amount":"\u0031200.50"}`, ` {"amount": 1200.5 , "currency":"EUR"} `,
	} {
		var back Money
		if err := json.Unmarshal([]byte(in), &back); err != nil || back != m {
			t.Errorf("%s: %v %v", in, back, err)
		}
	}
	for _, c := range []struct{ in, field string }{
		{`{"amount":1200.555,"currency":"EUR"}`, "amount"}, {`{"amount":1.2e3,"currency":"EUR"}`, "amount"},
		{`{"amount":-5,"currency":"EUR"}`, "amount"}, {`{"amount":-0,"currency":"EUR"}`, "amount"},
		{`{"amount":null,"currency":"EUR"}`, "amount"}, {`{"amount":true,"currency":"EUR"}`, "amount"},
		{`{"amount":["5"],"currency":"EUR"}`, "amount"}, {`{"currency":"EUR"}`, "amount"},
		{`{"amount":"5"}`, "currency"}, {`{"amount":"5","currency":"XAU"}`, "currency"},
		{`{"amount":100000000000000000000,"currency":"EUR"}`, "amount"},
	} {
		var back Money
		err := json.Unmarshal([]byte(c.in), &back)
		if fields := ErrorFields(err); len(fields) == 0 || fields[0].Field != c.field || !back.IsZero() {
			t.Errorf("%s: %v %v, want an error on %s", c.in, back, err, c.field)
		}
	}
	for _, in := range []string{`"1200.50 EUR"`, `1200`, `[]`} {
		var back Money
		if err := json.Unmarshal([]byte(in), &back); ErrorCode(err) != EINVALID {
			t.Errorf("%s: %v, want invalid", in, err)
		}
	}

	// An unset Money is null and reads back as unset; a pointer too.
	var deal struct {
		Value  Money  `json:"value"`
		Budget *Money `json:"budget"`
	}
	if b, err := json.Marshal(deal); err != nil || string(b) != `{"value":null,"budget":null}` {
		t.Errorf("zero: %s %v", b, err)
	}
	if err := json.Unmarshal([]byte(`{"value":null,"budget":{"amount":"7","currency":"JPY"}}`), &deal); err != nil ||
		!deal.Value.IsZero() || deal.Budget == nil || deal.Budget.String() != "7 JPY" {
		t.Errorf("null: %+v %v", deal, err)
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range [][2]string{{"1200.50", "EUR"}, {"5", "JPY"}, {"1.234", "BHD"}, {"-1", "USD"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, amount, cur string) {
		m, err := ParseMoney(amount, cur)
		if err != nil {
			if ErrorCode(err) != EINVALID || len(ErrorFields(err)) == 0 {
				t.Fatalf("%q %q: %v is not a field error", amount, cur, err)
			}
			return
		}
		back, err := ParseMoney(m.Decimal(), m.Currency)
		if err != nil || back != m || m.Minor < 0 {
			t.Fatalf("%q %q → %v does not read back: %v %v", amount, cur, m, back, err)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var fromJSON Money
		if err := json.Unmarshal(b, &fromJSON); err != nil || fromJSON != m {
			t.Fatalf("%s: %v %v", b, fromJSON, err)
		}
		if sum, err := m.Add(m); err == nil {
			if again, err := ParseMoney(sum.Decimal(), sum.Currency); err != nil || again != sum || sum.Minor != 2*m.Minor {
				t.Fatalf("%s + %s = %s does not read back: %v", m, m, sum, err)
			}
		}
	})
}

// FuzzMoneyJSON reads arbitrary JSON as Money: it either fails with
// EINVALID or gives a Money that writes and reads back the same.
func FuzzMoneyJSON(f *testing.F) {
	for _, s := range []string{`{"amount":"1200.50","currency":"EUR"}`, `{"amount":1200.5,"currency":"EUR"}`, `null`, `{"amount":1e3,"currency":"JPY"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var m Money
		if err := json.Unmarshal([]byte(in), &m); err != nil {
			return
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back Money
		if err := json.Unmarshal(b, &back); err != nil || back != m {
			t.Fatalf("%s → %s → %v %v", in, b, back, err)
		}
	})
}
