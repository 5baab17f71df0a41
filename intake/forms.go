package intake

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/tracking"
)

// FormHandler serves the public POST /forms/{slug}.
type FormHandler struct {
	Service   *Service
	Codec     *tracking.Codec
	SiteHosts []string
	Limiter   *RateLimiter
	Logger    *slog.Logger
	// WriteError renders errors as problem documents.
	WriteError func(w http.ResponseWriter, r *http.Request, err error)
}

// utmKeys are the campaign parameters recorded with a lead.
var utmKeys = []string{"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"}

func (h *FormHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ip := clientIP(r)
	if ok, wait := h.Limiter.Allow(ip); !ok {
		secs := int(wait.Seconds()) + 1
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		h.WriteError(w, r, leadrouter.Errorf(leadrouter.ERATELIMIT, "Too many submissions from your address; try again in %d second%s.", secs, plural(secs)))
		return
	}
	if !h.sameSite(r) {
		h.WriteError(w, r, leadrouter.Errorf(leadrouter.EFORBIDDEN, "Forms accept submissions only from the vendor's own site."))
		return
	}
	if err := r.ParseForm(); err != nil {
		h.WriteError(w, r, err)
		return
	}
	var form leadrouter.Form
	if err := h.Service.DB.View(r.Context(), func(tx *store.Tx) error {
		var err error
		form, err = tx.FormBySlug(r.Context(), r.PathValue("slug"))
		return err
	}); err != nil {
		h.WriteError(w, r, err)
		return
	}
	// The honeypot: people never see the field, bots fill it. Answer as if
	// accepted and store nothing.
	if strings.TrimSpace(r.PostForm.Get("website")) != "" {
		h.Logger.Info("form honeypot hit", "form", form.Slug, "ip", ip)
		h.accepted(w, r, form, "")
		return
	}
	sub := Submission{
		FirstName: r.PostForm.Get("first_name"), LastName: r.PostForm.Get("last_name"), Email: r.PostForm.Get("email"),
		Phone: r.PostForm.Get("phone"), Company: r.PostForm.Get("company"), Title: r.PostForm.Get("title"),
		Country: r.PostForm.Get("country"), Source: leadrouter.SourceWebForm, Campaign: form.Campaign,
		FormSlug: form.Slug, FormKind: form.Kind, PartnerCode: r.PostForm.Get("partner_code"), IP: ip,
		Touches: toDomainTouches(h.Codec.TouchesFromRequest(r)),
	}
	if c := r.PostForm.Get("campaign"); c != "" {
		sub.Campaign = c
	}
	if n, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("company_size"))); err == nil {
		sub.CompanySize = n
	}
	if form.Kind == leadrouter.FormEvent {
		sub.Source = leadrouter.SourceEvent
		sub.EventPartner = form.PartnerID
	}
	landing := r.PostForm.Get("landing_url")
	if landing == "" {
		landing = r.Referer()
	}
	sub.LandingURL = landing
	sub.UTM = map[string]string{}
	var landingQuery url.Values
	if u, err := url.Parse(landing); err == nil {
		landingQuery = u.Query()
	}
	for _, k := range utmKeys {
		if v := r.PostForm.Get(k); v != "" {
			sub.UTM[k] = v
		} else if v := landingQuery.Get(k); v != "" {
			sub.UTM[k] = v
		}
	}
	switch strings.ToLower(r.PostForm.Get("consent_share")) {
	case "on", "true", "1", "yes":
		yes := true
		sub.ConsentShare, sub.ConsentText = &yes, form.ConsentText
		if sub.ConsentText == "" {
			sub.ConsentText = r.PostForm.Get("consent_text")
		}
	}
	res, err := h.Service.Capture(r.Context(), leadrouter.Actor{}, sub, nil)
	if err != nil {
		h.WriteError(w, r, err)
		return
	}
	h.accepted(w, r, form, res.Lead.ID)
}

func (h *FormHandler) accepted(w http.ResponseWriter, r *http.Request, form leadrouter.Form, _ string) {
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "accepted", "redirect": form.SuccessURL})
		return
	}
	http.Redirect(w, r, form.SuccessURL, http.StatusSeeOther)
}

// sameSite checks Origin (or, without it, Referer) against the site's
// hosts and the host leadrouter itself answers on. Requests with neither
// header (server-to-server integrations) pass.
func (h *FormHandler) sameSite(r *http.Request) bool {
	src := r.Header.Get("Origin")
	if src == "" {
		src = r.Header.Get("Referer")
	}
	if src == "" {
		return true
	}
	u, err := url.Parse(src)
	if err != nil || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	self, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		self = r.Host
	}
	if host == strings.ToLower(self) {
		return true
	}
	for _, allowed := range h.SiteHosts {
		if host == allowed {
			return true
		}
	}
	return false
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func toDomainTouches(in []tracking.Touch) []leadrouter.Touch {
	out := make([]leadrouter.Touch, 0, len(in))
	for _, t := range in {
		out = append(out, leadrouter.Touch{PID: t.PID, At: t.At.UTC(), Landing: t.Landing, Kind: t.Kind})
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
