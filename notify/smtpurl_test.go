package notify

import (
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
)

func TestParseSMTPURL(t *testing.T) {
	for _, c := range []struct {
		raw        string
		want       SMTPConfig
		wantString string
	}{
		{"smtp://relay.example", SMTPConfig{Host: "relay.example", Port: 587, TLS: TLSOpportunistic}, "smtp://relay.example:587"},
		{"smtp://me%40x.example:p%2Fss@relay.example:2525", SMTPConfig{Host: "relay.example", Port: 2525, Username: "me@x.example", Password: "p/ss", TLS: TLSOpportunistic},
			"smtp://me%40x.example:***@relay.example:2525"},
		{"smtps://relay.example", SMTPConfig{Host: "relay.example", Port: 465, TLS: TLSImplicit}, "smtps://relay.example:465"},
		{"smtp+starttls://u:p@relay.example:587/", SMTPConfig{Host: "relay.example", Port: 587, Username: "u", Password: "p", TLS: TLSRequired}, ""},
		{" smtp://[::1]:25 ", SMTPConfig{Host: "::1", Port: 25, TLS: TLSOpportunistic}, "smtp://[::1]:25"},
		{"smtp://apikey@relay.example", SMTPConfig{Host: "relay.example", Port: 587, Username: "apikey", TLS: TLSOpportunistic}, ""},
	} {
		cfg, err := ParseSMTPURL(c.raw)
		if err != nil || cfg != c.want {
			t.Errorf("%s: %+v %v, want %+v", c.raw, cfg, err, c.want)
		}
		if c.wantString != "" && cfg.String() != c.wantString {
			t.Errorf("%s: String %s, want %s", c.raw, cfg, c.wantString)
		}
		if len(cfg.Password) > 3 && strings.Contains(cfg.String(), cfg.Password) {
			t.Errorf("%s: String shows the password: %s", c.raw, cfg)
		}
	}
	for _, c := range []struct{ raw, says string }{
		{"", "scheme"},
		{"http://relay.example", `scheme "http"`},
		{"relay.example:587", "scheme"},
		{"smtp://", "no host"},
		{"smtp://u:p@:25", "no host"},
		{"smtp:relay.example", "no host"},
		{"smtp://::", "neither a name nor an IP"},
		{"smtp://rel!ay.example", "neither a name nor an IP"},
		{"smtp://relay..example", "neither a name nor an IP"},
		{"smtp://relay.example:0", "port"},
		{"smtp://relay.example:99999", "port"},
		{"smtp://relay.example/x", "no path"},
		{"smtp://relay.example?tls=no", "no query parameters (got ?tls=no)"},
		{"smtp://relay.example?", "no query"},
		{"smtp://relay.example#x", "no fragment"},
		{"smtp://:s3cret@relay.example", "password but no user"},
		{"smtp://u:s3cret@relay example", "no URL"},
	} {
		_, err := ParseSMTPURL(c.raw)
		if leadrouter.ErrorCode(err) != leadrouter.EINVALID || !strings.Contains(leadrouter.ErrorMessage(err), c.says) {
			t.Errorf("%q: %v, want invalid saying %q", c.raw, err, c.says)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: the error repeats the password: %v", c.raw, err)
		}
	}
}

// Whatever it accepts is a usable relay, and String (password masked)
// reads back as the same relay.
func FuzzParseSMTPURL(f *testing.F) {
	for _, s := range []string{"smtp://u:p@relay.example:587", "smtps://relay.example", "smtp+starttls://x", "smtp://[::1]:25",
		"smtp://me%40x.example:p%2Fss@relay.example:2525", "smtp://relay.example?tls=no", "smtp://:p@x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		cfg, err := ParseSMTPURL(raw)
		if err != nil {
			if leadrouter.ErrorCode(err) != leadrouter.EINVALID {
				t.Fatalf("%q: %v, want invalid", raw, err)
			}
			return
		}
		if cfg.Host == "" || cfg.Port < 1 || cfg.Port > 65535 || (cfg.Password != "" && cfg.Username == "") {
			t.Fatalf("%q: %+v", raw, cfg)
		}
		if _, ok := schemes[strings.SplitN(cfg.String(), ":", 2)[0]]; !ok {
			t.Fatalf("%q: String %s", raw, cfg)
		}
		back, err := ParseSMTPURL(cfg.String())
		if err != nil {
			t.Fatalf("%q: String %s does not read back: %v", raw, cfg, err)
		}
		if back.Host != cfg.Host || back.Port != cfg.Port || back.TLS != cfg.TLS || back.Username != cfg.Username {
			t.Fatalf("%q: %+v read back as %+v", raw, cfg, back)
		}
		if len(cfg.Password) > 3 && strings.Contains(cfg.String(), cfg.Password) {
			t.Fatalf("%q: String shows the password: %s", raw, cfg)
		}
	})
}
