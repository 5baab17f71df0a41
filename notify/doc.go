// Package notify tells people what changed (SPEC W13): notifications are
// written in the transaction of the change (OnEvent, a hook the store runs
// for every timeline event), shown in the portal inbox, and sent by e-mail
// at once or in a daily digest as each user chose, through an SMTP relay
// (--smtp-url, with github.com/wneessen/go-mail). The words are rendered
// when a notification is read or sent, in the reader's language, and
// follow W6: a partner's message about a lead it may not contact names the
// company, never the person.
//
// # Messages
//
// Render writes a notification for one reader: a subject, a plain-text
// part and an HTML part. The words live in templates/, embedded and parsed
// once when the program starts (a broken template stops it at once): one
// file per language (en.tmpl, de.tmpl) holding, for each kind, a named
// "KIND.subject" (one line) and "KIND.body" (one paragraph), plus small
// shared pieces (greeting, who, due, footer) that differ by grammar. The
// same file is parsed by text/template for the text part and by
// html/template for the HTML part, so what the data holds is escaped in
// HTML and left alone in text; layout.txt and layout.html frame the body
// with the greeting, a digest's items, the link into the portal and, last,
// the line saying where notification preferences are changed. One file
// per language keeps a translator in one place and lets
// TestLanguagesDefineTheSameTemplates catch a kind missing from either.
// Every optional field has words for its absence: without Person (the
// reader may not see the contact, W6) a lead is its company alone, never
// "Dear ," or "from  at". The kinds are the domain's
// leadrouter.NotificationKind; an unknown language is English.
//
// # Pointing leadrouter at a relay
//
// leadrouter does not deliver mail itself; it hands each message to one
// SMTP relay (the company's mail server, or a service such as Postmark,
// SES or Mailgun) named by two flags (or LEADROUTER_SMTP_URL and
// LEADROUTER_MAIL_FROM):
//
//	--smtp-url  smtp://USER:PASS@relay.example:587        STARTTLS if the relay offers it, plain otherwise
//	            smtp+starttls://USER:PASS@relay.example    STARTTLS required (port 587 by default)
//	            smtps://USER:PASS@relay.example            TLS from the first byte (port 465 by default)
//	--mail-from "leadrouter <noreply@vendor.example>"
//
// Percent-encode reserved characters in the user and password
// (me%40vendor.example). Prefer smtp+starttls or smtps over anything but
// a relay on the same host: plain smtp:// sends the password in the clear
// when the relay offers no STARTTLS. Without --smtp-url notifications
// reach the portal inbox only. The domain of --mail-from also names the
// messages (Message-ID <notification-id@domain>), so a retried message
// keeps its Message-ID and receivers drop the copy; let the relay sign for
// that domain (SPF, DKIM) or messages land in spam. A 5xx refusing a
// message (an unknown mailbox) is final: the notification is marked
// failed. A 4xx, a network error, and a relay refusing the session itself
// (a wrong password, STARTTLS missing under smtp+starttls) are tried again
// with backoff for several hours, so fixing --smtp-url and restarting
// delivers what was pending; the log says why each attempt failed.
package notify
