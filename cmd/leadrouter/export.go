package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// runExport is `leadrouter export leads|opportunities [--db URL] > FILE.csv`.
// With --partner ID the export is what that partner may see, contact
// details redacted as in the API.
func runExport(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) (err error) {
	if len(args) == 0 || (args[0] != "leads" && args[0] != "opportunities") {
		return fmt.Errorf("usage: leadrouter export leads|opportunities [--db URL] [--partner ID|PID] > FILE.csv")
	}
	what := args[0]
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs)
	partner := fs.String("partner", "", "export as this partner sees it (id or PID)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	db, err := openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	partnerID, err := resolvePartner(ctx, db, *partner)
	if err != nil {
		return err
	}
	actor := leadrouter.Actor{UserID: "export", Role: leadrouter.RoleAdmin}
	if partnerID != "" {
		actor = leadrouter.Actor{UserID: "export", Role: leadrouter.RolePartner, PartnerID: partnerID}
	}
	// Every row with contact details goes into the read log, written in
	// batches while the export runs and the rest when it ends.
	reads := store.NewReadLog(db, time.Second, nil)
	flushCtx, stopFlusher := context.WithCancel(context.WithoutCancel(ctx))
	flusherDone := make(chan struct{})
	go func() {
		defer close(flusherDone)
		reads.Run(flushCtx)
	}()
	defer func() {
		stopFlusher()
		<-flusherDone
		if closeErr := reads.Close(context.WithoutCancel(ctx)); closeErr != nil {
			err = errors.Join(err, fmt.Errorf("export: writing the read log: %w", closeErr))
		}
	}()
	w := csv.NewWriter(stdout)
	defer w.Flush()
	contact := func(kind, recordID string, l leadrouter.Lead) []string {
		if !leadrouter.ContactVisibleTo(actor, l) {
			return []string{"", "", "", "", "true"}
		}
		reads.Record(actor, store.ChannelExport, kind, recordID, l.ID)
		return []string{l.FirstName, l.LastName, l.Email, l.Phone, "false"}
	}
	if what == "leads" {
		_ = w.Write([]string{"id", "status", "first_name", "last_name", "email", "phone", "redacted", "company", "title", "country", "source",
			"campaign", "credited_pid", "owner_kind", "owner_id", "owner_partner_id", "reserved_partner_id", "score", "nurture_track", "consent_share", "created_at"})
		return db.ExportLeads(ctx, actor, func(l leadrouter.Lead) error {
			row := append([]string{l.ID, string(l.Status)}, contact(store.ReadKindLead, l.ID, l)...)
			row = append(row, l.Company, l.Title, l.Country, string(l.Source), l.Campaign, l.CreditedPID, string(l.Owner.Kind), ownerID(actor, l), l.Owner.PartnerID,
				l.ReservedPartnerID, strconv.Itoa(l.Score), l.NurtureTrack, strconv.FormatBool(l.Consent.Share), l.CreatedAt.UTC().Format(time.RFC3339))
			return w.Write(row)
		})
	}
	_ = w.Write([]string{"id", "name", "status", "amount", "lead_id", "account_id", "first_name", "last_name", "email", "phone", "redacted",
		"company", "country", "reserved_partner_id", "partner_id", "created_at", "handed_off_at"})
	return db.ExportOpportunities(ctx, actor, func(r store.OpportunityRow) error {
		o, l := r.Opportunity, r.Lead
		if actor.IsPartner() {
			l.HandoffPartnerID = o.PartnerID
		}
		row := []string{o.ID, o.Name, string(o.Status), store.FormatAmount(o.Amount), o.LeadID, o.AccountID}
		row = append(row, contact(store.ReadKindOpportunity, o.ID, l)...)
		row = append(row, l.Company, l.Country, o.ReservedPartnerID, o.PartnerID, o.CreatedAt.UTC().Format(time.RFC3339), store.FormatTime(o.HandedOffAt))
		return w.Write(row)
	})
}

func ownerID(actor leadrouter.Actor, l leadrouter.Lead) string {
	if actor.IsPartner() && l.Owner.PartnerID != actor.PartnerID {
		return ""
	}
	return l.Owner.ID
}
