package main

import (
	"flag"
	"fmt"
	"io"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/clientip"
	"github.com/leadrouter/leadrouter/egress"
	"github.com/leadrouter/leadrouter/notify"
	"github.com/leadrouter/leadrouter/routing"
)

// Config is everything the server reads from flags and LEADROUTER_*
// variables, validated once at start and passed down.
type Config struct {
	Addr         string
	DB           string
	PolicyFile   string
	SiteHosts    []string
	Upstream     string
	Demo         bool
	CookieDays   int
	Secret       string
	LogFormat    string
	LogLevel     string
	MaxBody      int64
	ClickFlush   time.Duration
	ClickDedupe  time.Duration
	PIDRefresh   time.Duration
	ShutdownWait time.Duration
	// ShutdownDrain is how long Close answers 503 (draining) before it
	// closes the listener, at most, while clients still hold connections.
	ShutdownDrain time.Duration
	// AuditKeyFile holds the key of the timelines' hash chains, outside
	// the database; AuditLog is the append-only checkpoint file of every
	// timeline's head, written every AuditEvery. Empty: beside a SQLite
	// database (or in the working directory for PostgreSQL).
	AuditKeyFile, AuditLog string
	AuditEvery             time.Duration
	// ReadTimeout bounds reading a whole request, body included; a body
	// slower than that is answered 408.
	ReadTimeout  time.Duration
	HomeCountry  string
	FormRate     int
	Attribution  string
	SQLiteSync   string
	WebhookEvery time.Duration
	// AssignmentEvery is how often lapses, reminders and stale deals are
	// looked for.
	AssignmentEvery time.Duration
	// IndexEvery is how often the company tokens of new leads are written.
	IndexEvery time.Duration
	// SMTPURL is the relay notifications are sent through (none: the
	// portal inbox only); MailFrom their sender; NotifyEvery how often
	// the sender, the digests and the expiry warnings run.
	SMTPURL     string
	MailFrom    string
	NotifyEvery time.Duration
	smtp        *notify.SMTPConfig
	// WebhookTimeout bounds each webhook request; WebhookConcurrency is how
	// many subscriptions are delivered at once.
	WebhookTimeout     time.Duration
	WebhookConcurrency int
	DebugAddr          string
	GCPercent          int
	MemoryLimit        int64
	FrontServer        bool
	// TrustedProxies may set the client address (X-Forwarded-For) and
	// scheme (X-Forwarded-Proto); PublicURL is where clients reach the
	// service (https:// makes every cookie Secure and sends HSTS).
	TrustedProxies clientip.Proxies
	PublicURL      string
	// WebhookAllow lists the ranges webhooks may reach although they are
	// loopback, private, link-local or otherwise special-purpose.
	WebhookAllow []netip.Prefix
}

// bindServeFlags declares the serve flags on fs.
func bindServeFlags(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.Addr, "addr", "", "listen address (default :8080; 127.0.0.1:8080 with --demo)")
	fs.StringVar(&c.DB, "db", "sqlite:leadrouter.db", "database URL: sqlite:FILE or postgres://…")
	fs.StringVar(&c.PolicyFile, "policy", "", "routing policy YAML file (default: the built-in policy, or the last one stored)")
	fs.Func("site-hosts", "comma-separated hosts of the vendor's site (short-link and form-origin allow-list)", func(v string) error {
		c.SiteHosts = nil
		for _, h := range strings.Split(v, ",") {
			if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
				c.SiteHosts = append(c.SiteHosts, h)
			}
		}
		return nil
	})
	fs.StringVar(&c.Upstream, "upstream", "", "URL of the vendor's site to proxy requests without a PID to")
	fs.BoolVar(&c.Demo, "demo", false, "serve the built-in demo site and seed demo data into an empty database")
	fs.IntVar(&c.CookieDays, "cookie-days", 90, "lifetime of the referral cookie in days")
	fs.StringVar(&c.Secret, "secret", "", "cookie signing key (default: generated once and kept in the database)")
	fs.StringVar(&c.LogFormat, "log-format", "json", "log format: json or text")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.Int64Var(&c.MaxBody, "max-body", 1<<20, "largest accepted request body in bytes")
	fs.DurationVar(&c.ClickFlush, "click-flush", 2*time.Second, "how often click counts are written to the database")
	fs.DurationVar(&c.ClickDedupe, "click-dedupe", 30*time.Minute, "count one click per client address and PID within this window, per process (0: count every click)")
	fs.DurationVar(&c.PIDRefresh, "pid-refresh", 3*time.Second, "how often the PID snapshot is re-read from the database")
	fs.DurationVar(&c.ShutdownWait, "shutdown-timeout", 15*time.Second, "how long graceful shutdown waits for requests to finish")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", 30*time.Second, "how long a client may take to send a whole request, body included (a slower body is answered 408)")
	fs.StringVar(&c.AuditKeyFile, "audit-key-file", "", "the audit key (hex; made when missing): keep it outside the database and its backups (default: DB.audit-key beside a SQLite file, leadrouter.audit-key for PostgreSQL)")
	fs.StringVar(&c.AuditLog, "audit-log", "", "append-only file of audit checkpoints, every timeline's head (default: DB.audit-log beside a SQLite file, leadrouter.audit-log for PostgreSQL)")
	fs.DurationVar(&c.AuditEvery, "audit-checkpoint-every", time.Minute, "how often changed timeline heads are checkpointed to --audit-log")
	fs.DurationVar(&c.ShutdownDrain, "shutdown-drain", 2*time.Second, "on shutdown, how long at most /healthz and new requests answer 503 (draining) before the listener closes; ends early once clients have closed their connections")
	fs.StringVar(&c.HomeCountry, "home-country", "", "override the policy's home country (ISO alpha-2)")
	fs.IntVar(&c.FormRate, "form-rate", 20, "public form submissions per minute per client IP")
	fs.StringVar(&c.Attribution, "attribution", "last_touch", "attribution model: last_touch or first_touch")
	fs.StringVar(&c.SQLiteSync, "sqlite-synchronous", "FULL", "SQLite synchronous pragma: FULL (durable) or NORMAL")
	fs.IntVar(&c.GCPercent, "gc-percent", 400, "Go GC target percentage (fewer collections on the redirect path; bounded by --memory-limit)")
	fs.Int64Var(&c.MemoryLimit, "memory-limit", 200<<20, "soft memory limit in bytes for the Go runtime (the GC works harder near it)")
	fs.BoolVar(&c.FrontServer, "front-server", false, "answer the pid redirect in a small HTTP/1.1 reader in front of net/http (false: net/http serves everything)")
	fs.Func("trusted-proxies", "comma-separated addresses and CIDRs of proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (default none)", func(v string) error {
		p, err := clientip.ParseProxies(v)
		c.TrustedProxies = p
		return err
	})
	fs.StringVar(&c.PublicURL, "public-url", "", "URL clients reach the service at; https://… marks cookies Secure and sends Strict-Transport-Security")
	fs.StringVar(&c.DebugAddr, "debug-addr", "", "listen address for pprof profiles (e.g. 127.0.0.1:6060; off when empty)")
	fs.DurationVar(&c.WebhookEvery, "webhook-poll", time.Second, "how often an idle webhook deliverer looks for new events")
	fs.DurationVar(&c.IndexEvery, "index-poll", 200*time.Millisecond, "how often the company-name tokens of new leads are indexed (a lead is found by its company's words after this)")
	fs.DurationVar(&c.AssignmentEvery, "assignment-poll", time.Second, "how often partners' lapsed answers, reminders and stale deals are looked for")
	fs.StringVar(&c.SMTPURL, "smtp-url", "", "SMTP relay for notification e-mail: smtp://user:pass@host:587 (STARTTLS when offered), smtp+starttls://… or smtps://… (none: notifications reach the portal inbox only)")
	fs.StringVar(&c.MailFrom, "mail-from", "leadrouter <noreply@localhost>", "sender of notification e-mail")
	fs.DurationVar(&c.NotifyEvery, "notify-poll", time.Second, "how often notification e-mail, digests and expiry warnings are looked for")
	fs.DurationVar(&c.WebhookTimeout, "webhook-timeout", 10*time.Second, "how long a webhook receiver has to answer one request")
	fs.IntVar(&c.WebhookConcurrency, "webhook-concurrency", 16, "how many webhook subscriptions are delivered at once")
	fs.Func("webhook-allow-cidr", "comma-separated CIDR ranges webhooks may reach although loopback, private, link-local or otherwise special-purpose (default: none)", func(v string) error {
		p, err := egress.ParseAllow(v)
		c.WebhookAllow = p
		return err
	})
}

// parseFlags parses args, then fills every flag not given on the command
// line from LEADROUTER_<NAME> (dashes become underscores).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []string
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		env := "LEADROUTER_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", env, err))
			}
		}
	})
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// Validate checks the configuration once at start.
func (c *Config) Validate() error {
	var problems []string
	if c.AuditEvery <= 0 {
		problems = append(problems, "--audit-checkpoint-every must be positive")
	}
	if c.SMTPURL != "" {
		cfg, err := notify.ParseSMTPURL(c.SMTPURL)
		if err != nil {
			problems = append(problems, leadrouter.ErrorMessage(err))
		} else {
			c.smtp = &cfg
		}
		if _, err := mail.ParseAddress(c.MailFrom); err != nil {
			problems = append(problems, "--mail-from is no e-mail address (want e.g. \"leadrouter <noreply@vendor.example>\")")
		}
	}
	if c.CookieDays < 1 || c.CookieDays > 400 {
		problems = append(problems, "--cookie-days must be from 1 to 400")
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		problems = append(problems, "--log-format must be json or text")
	}
	if c.MaxBody < 1024 {
		problems = append(problems, "--max-body must be at least 1024")
	}
	if c.Demo && c.Upstream != "" {
		problems = append(problems, "--demo and --upstream exclude each other")
	}
	if c.HomeCountry != "" {
		cc, err := leadrouter.ParseCountry(c.HomeCountry)
		if err != nil {
			problems = append(problems, "--home-country: "+leadrouter.ErrorMessage(err))
		}
		c.HomeCountry = cc
	}
	if c.Attribution != "last_touch" && c.Attribution != "first_touch" {
		problems = append(problems, "--attribution must be last_touch or first_touch")
	}
	if c.Secret != "" && len(c.Secret) < 16 {
		problems = append(problems, "--secret must have at least 16 characters")
	}
	if c.FormRate < 1 {
		problems = append(problems, "--form-rate must be positive")
	}
	if c.PolicyFile != "" {
		// Checked before the database is opened or migrated.
		if src, err := os.ReadFile(c.PolicyFile); err != nil {
			problems = append(problems, "--policy: "+err.Error())
		} else if _, err := routing.ParsePolicy(src); err != nil {
			problems = append(problems, "--policy "+c.PolicyFile+": "+err.Error())
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, "--public-url must be an absolute http:// or https:// URL")
		}
	}
	if c.WebhookTimeout <= 0 || c.WebhookConcurrency < 1 {
		problems = append(problems, "--webhook-timeout and --webhook-concurrency must be positive")
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid configuration: %s", strings.Join(problems, "; "))
	}
	return nil
}

// ListenAddr is --addr, or when it is not given :8080, and 127.0.0.1:8080
// for --demo (the demo prints an admin token: it is not for the network).
func (c *Config) ListenAddr() string {
	switch {
	case c.Addr != "":
		return c.Addr
	case c.Demo:
		return "127.0.0.1:8080"
	}
	return ":8080"
}

// HTTPS reports whether --public-url says clients reach the service over
// HTTPS.
func (c *Config) HTTPS() bool {
	return strings.HasPrefix(strings.ToLower(c.PublicURL), "https://")
}

func flagSetDiscard() *flag.FlagSet {
	fs := flag.NewFlagSet("defaults", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}
