package match

import (
	_ "embed"
	"strings"
	"sync"

	"golang.org/x/net/publicsuffix"
)

// freeMailList is the maintained list of free-mail, consumer ISP and disposable
// domains; freemail_domains.txt says where it comes from and its licence (MIT).
//
//go:embed freemail_domains.txt
var freeMailList string

// freeMailAdditions are consumer mail domains missing from the list above.
var freeMailAdditions = []string{
	"hey.com", "tutanota.com", "tuta.com", "mailbox.org", "sympatico.ca",
	"tin.it", "bbox.fr", "comhem.se", "bredband.net", "sina.com.cn",
	"hinet.net", "passport.com",
}

// freeMailBrands are providers whose every country domain is free mail
// ("yahoo.com.ar", "gmx.co.uk", "gmail.co.uk").
var freeMailBrands = map[string]bool{
	"gmail": true, "googlemail": true, "yahoo": true, "ymail": true,
	"rocketmail": true, "hotmail": true, "outlook": true, "gmx": true,
	"yandex": true, "aol": true, "protonmail": true, "rediffmail": true,
}

// freeMailDomains returns the set of free-mail domains, built on first use;
// its keys point into the embedded list.
var freeMailDomains = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, strings.Count(freeMailList, "\n")+len(freeMailAdditions))
	for line := range strings.Lines(freeMailList) {
		domain := strings.TrimSpace(line)
		if domain == "" || domain[0] == '#' {
			continue
		}
		set[domain] = struct{}{}
	}
	for _, domain := range freeMailAdditions {
		set[domain] = struct{}{}
	}
	return set
})

// IsFreeMail reports whether domain (or the domain of an e-mail address) is a
// free-mail, consumer or disposable mail domain, which never identifies a
// company: gmail.com, yahoo.co.uk, mail.yahoo.com, web.de, qq.com, ….
func IsFreeMail(domain string) bool {
	domain = strings.TrimSpace(domain)
	if at := strings.LastIndexByte(domain, '@'); at >= 0 {
		domain = domain[at+1:]
	}
	domain = toLowerASCIIFast(strings.TrimSuffix(domain, "."))
	if domain == "" {
		return false
	}
	set := freeMailDomains()
	if _, ok := set[domain]; ok {
		return true
	}
	registrable, ok := RegistrableDomain(domain)
	if !ok {
		return false
	}
	if _, ok := set[registrable]; ok {
		return true
	}
	brand, suffix, _ := strings.Cut(registrable, ".")
	if freeMailBrands[brand] {
		if _, icann := publicsuffix.PublicSuffix(registrable); icann && suffix != "" {
			return true
		}
	}
	return false
}
