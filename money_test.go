package leadrouter

import (
	"encoding/json"
	"testing"
)

func TestParseMoney(t *testing.T) {
	for _, c := range []struct{ amount, cur, want string }{
		{"1200", "EUR", "1200.00 EUR"}, {"1200.5", "eur", "1200.50 EUR"}, {"0.07", "USD", "0.07 USD"},
		{"1200", "JPY", "1200 JPY"}, {"12.345", "BHD", "12.345 BHD"}, {"999999999999999", "JPY", "999999999999999 JPY"},
	} {
		m, err := ParseMoney(c.amount, c.cur)
		if err != nil || m.String() != c.want {
			t.Errorf("%s %s: %v %v, want %s", c.amount, c.cur, m, err, c.want)
		}
	}
	for _, c := range []struct{ amount, cur, field string }{
		{"12.345", "EUR", "amount"}, {"1.5", "JPY", "amount"}, {"-5", "EUR", "amount"}, {"1e3", "EUR", "amount"},
		{"1,200", "EUR", "amount"}, {"", "EUR", "amount"}, {"12.", "EUR", "amount"}, {".5", "EUR", "amount"},
		{"5", "EURO", "currency"}, {"5", "XYZ", "currency"}, {"1234567890123456", "EUR", "amount"},
	} {
		_, err := ParseMoney(c.amount, c.cur)
		fields := ErrorFields(err)
		if len(fields) == 0 || fields[0].Field != c.field {
			t.Errorf("%q %q: %v, want an error on %s", c.amount, c.cur, err, c.field)
		}
	}
	a, _ := ParseMoney("10.50", "EUR")
	b, _ := ParseMoney("0.75", "EUR")
	if sum, err := a.Add(b); err != nil || sum.String() != "11.25 EUR" {
		t.Errorf("sum %v %v", sum, err)
	}
	if _, err := a.Add(Money{Currency: "USD", Minor: 1}); err == nil {
		t.Error("added dollars to euros")
	}
}

func TestMoneyJSON(t *testing.T) {
	m, _ := ParseMoney("1200.5", "EUR")
	b, _ := json.Marshal(m)
	if string(b) != `{"amount":"1200.50","currency":"EUR"}` {
		t.Errorf("json %s", b)
	}
	var back Money
	for _, in := range []string{`{"amount":"1200.50","currency":"EUR"}`, `{"amount":1200.5,"currency":"EUR"}`} {
		if err := json.Unmarshal([]byte(in), &back); err != nil || back != m {
			t.Errorf("%s: %v %v", in, back, err)
		}
	}
	if err := json.Unmarshal([]byte(`{"amount":1200.555,"currency":"EUR"}`), &back); err == nil {
		t.Error("three decimals of euros accepted")
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range [][2]string{{"1200.50", "EUR"}, {"5", "JPY"}, {"1.234", "BHD"}, {"-1", "USD"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, amount, cur string) {
		m, err := ParseMoney(amount, cur)
		if err != nil {
			return
		}
		back, err := ParseMoney(m.Decimal(), m.Currency)
		if err != nil || back != m || m.Minor < 0 {
			t.Fatalf("%q %q → %v does not read back: %v %v", amount, cur, m, back, err)
		}
	})
}
