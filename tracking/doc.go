// Package tracking owns W1: referral links and the redirect. It strips a
// partner's PID from any URL of the vendor's site and answers with a 302 to
// the same URL without it, records the touch in the signed lr_ref cookie
// (Codec), resolves PIDs from an in-memory snapshot of active partners
// (Directory), counts clicks per partner per day without touching the
// database on the redirect path (ClickCounter), serves the /go/{pid} short
// link with its allow-list (AllowedTarget), builds partners' links
// (BuildLink), and stands in front of the vendor's site (NewProxy) or the
// built-in demo site (DemoSite).
//
// The redirect is the hottest path of the service: it works on the raw
// query string, keeps every other parameter byte for byte, and allocates
// only the response header values.
package tracking
