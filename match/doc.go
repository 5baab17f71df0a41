// Package match normalises and scores prospects against known records (W3),
// and runs the lookups of capture and GET /matches over a [Source] of
// candidates (the store); it does no I/O of its own.
//
// The storage layer uses it twice. When it writes a lead, contact, account or
// registration it stores the index keys computed here: [NormaliseEmail] of the
// e-mail address, [RegistrableDomain] of every domain and of the e-mail's
// domain (free-mail domains, see [IsFreeMail], need no index row: they never
// match), [NormaliseCompany] (the exact-match key of the company name) and
// [CompanyTokens] (one row per token, for near misses). When it answers a
// match query it computes the same keys from the query, fetches the candidates
// sharing any of them through its indexes, never by a scan, and hands them to
// [Rank], which scores them and says why each one matched. A candidate that
// carries its stored company key (Candidate.CompanyKey) is not normalised
// again; changing the normalisation therefore means recomputing stored keys.
//
// Scores are in 0..1. Two thresholds give them meaning: [NearMatchThreshold]
// (a possible duplicate worth showing; a yellow flag for a registration) and
// [CertainThreshold] (certainly the same company).
package match
