package match

import "testing"

func TestRegistrableDomain(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"acme.com", "acme.com", true},
		{"emea.acme.com", "acme.com", true},
		{"sales.tyrell.co.uk", "tyrell.co.uk", true},
		{"bob@EMEA.Acme.com", "acme.com", true},
		{"https://www.acme.com/x", "acme.com", true},
		{"http://user:pw@shop.acme.de:8080/a?b#c", "acme.de", true},
		{"www.acme.com:443", "acme.com", true},
		{"//cdn.acme.com/x.js", "acme.com", true},
		{"acme.com/pricing", "acme.com", true},
		{"  ACME.COM.  ", "acme.com", true},
		{"a.b.c.example.com.au", "example.com.au", true},
		{"bücher.de", "xn--bcher-kva.de", true},
		{"MÜNCHEN.de", "xn--mnchen-3ya.de", true},
		{"acme.github.io", "acme.github.io", true}, // a private suffix: each user its own
		{"", "", false},
		{"acme", "", false},
		{"com", "", false},
		{"co.uk", "", false},
		{".com", "", false},
		{"acme..com", "", false},
		{"-acme.com", "", false},
		{"acme-.com", "", false},
		{"acme.internal", "acme.internal", true},
		{"eu.sales.acme.local", "acme.local", true},
		{"bob@Sales.Acme.Example", "acme.example", true},
		{"192.168.1.10", "", false},
		{"http://127.0.0.1:8080/", "", false},
		{"[::1]", "", false},
		{"2001:db8::1", "", false},
		{"not a domain", "", false},
		{"bob@", "", false},
		{"acme.123", "", false},
		{"ac_me.com", "", false},
	}
	for _, tt := range tests {
		got, ok := RegistrableDomain(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("RegistrableDomain(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestNormaliseEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{" Bob@Acme.COM ", "bob@acme.com"},
		{"bob@acme.com", "bob@acme.com"},
		{"JÖRG@Müller.de", "jörg@müller.de"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormaliseEmail(tt.in); got != tt.want {
			t.Errorf("NormaliseEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEmailDomain(t *testing.T) {
	tests := []struct{ in, want string }{
		{"bob@Acme.COM", "acme.com"},
		{" bob@acme.com. ", "acme.com"},
		{`"a@b"@acme.com`, "acme.com"},
		{"bob", ""},
		{"", ""},
		{"bob@", ""},
	}
	for _, tt := range tests {
		if got := EmailDomain(tt.in); got != tt.want {
			t.Errorf("EmailDomain(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsFreeMail(t *testing.T) {
	free := []string{
		"gmail.com", "GMail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk",
		"yahoo.fr", "yahoo.com.ar", "mail.yahoo.com", "outlook.com", "hotmail.com",
		"hotmail.co.uk", "live.com", "aol.com", "icloud.com", "gmx.de", "gmx.net",
		"web.de", "mail.ru", "yandex.ru", "yandex.com", "proton.me",
		"protonmail.com", "qq.com", "163.com", "hey.com", "bob@gmail.com",
		"gmail.co.uk", "mailinator.com", "t-online.de", "orange.fr",
	}
	for _, d := range free {
		if !IsFreeMail(d) {
			t.Errorf("IsFreeMail(%q) = false, want true", d)
		}
	}
	corporate := []string{
		"acme.com", "tyrell.co.uk", "google.com", "microsoft.com", "apple.com",
		"yahooinc.com", "", "not a domain", "192.168.1.1", "telia.com",
	}
	for _, d := range corporate {
		if IsFreeMail(d) {
			t.Errorf("IsFreeMail(%q) = true, want false", d)
		}
	}
	if n := len(freeMailDomains()); n < 1000 {
		t.Errorf("the free-mail list has %d domains, want thousands", n)
	}
}
