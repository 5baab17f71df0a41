package routing

import (
	"strings"

	"github.com/leadrouter/leadrouter"
)

// Reason codes: every reason a trace step gives, as a stable code and its
// parameters (leadrouter.RouteStep.Code and Args). A timeline stores the
// codes; ReasonText renders them into the words explain shows, the same
// words whenever they are read. Codes are never renamed or reused: stored
// decisions name them. Parameters naming a partner hold its id, rendered
// as its name.
const (
	ReasonNotResponse          = "not_response"          // the lead is not a response to an open lead
	ReasonIsResponse           = "is_response"           // [open lead id]
	ReasonNoPID                = "no_pid"                // no partner credited
	ReasonHasPID               = "has_pid"               // [credited partner id, shown as the id]
	ReasonNoAccountOwner       = "no_account_owner"      // no partner owns the account's hierarchy
	ReasonAccountOwned         = "account_owned"         // [owner partner id, shown as the id]
	ReasonCountryUnknownIntl   = "country_unknown_intl"  // [the lead's country, "not " or ""]
	ReasonHomeCountry          = "home_country"          // [country]
	ReasonNotHomeCountry       = "not_home_country"      // [country, home country]
	ReasonCountryUnknownIn     = "country_unknown_in"    // [the lead's country, wanted list]
	ReasonCountryNotIn         = "country_not_in"        // [country, wanted list]
	ReasonCountryExcluded      = "country_excluded"      // [country, excluded list]
	ReasonSourceNotIn          = "source_not_in"         // [source, list]
	ReasonFormKindNotIn        = "form_kind_not_in"      // [form kind, list]
	ReasonTitleNotIn           = "title_not_in"          // [title, list]
	ReasonTitleNoMatch         = "title_no_match"        // [title, list]
	ReasonSizeUnknown          = "size_unknown"          // the company size is unknown
	ReasonSizeBelow            = "size_below"            // [size, minimum]
	ReasonSizeAbove            = "size_above"            // [size, maximum]
	ReasonResponsesBelow       = "responses_below"       // [responses, minimum]
	ReasonScoreBelow           = "score_below"           // [score, minimum]
	ReasonConditionsHold       = "conditions_hold"       // (no condition failed)
	ReasonOwnerUnknown         = "owner_unknown"         // [open lead id]
	ReasonKeepsOwner           = "keeps_owner"           // [open lead id, owner as kind:id]
	ReasonPIDReserved          = "pid_reserved"          // [partner id, PID, queue]
	ReasonAccountPartner       = "account_partner"       // [partner id]
	ReasonSingleSkipped        = "single_skipped"        // [who ("credited" or "account_owner"), partner id, skip code, skip argument]
	ReasonDefaultQueue         = "default_queue"         // [queue]
	ReasonCountryUnknownTerr   = "country_unknown_terr"  // [the lead's country]
	ReasonNoTerritory          = "no_territory"          // [country]
	ReasonNoActiveTerritory    = "no_active_territory"   // [country]
	ReasonTerritoryAllSkipped  = "territory_all_skipped" // [country]
	ReasonTerritoryPick        = "territory_pick"        // [country, strategy, active partners, position, chosen partner id]
	ReasonQueueEmpty           = "queue_empty"           // [queue]
	ReasonQueueAllSkipped      = "queue_all_skipped"     // [queue]
	ReasonQueuePick            = "queue_pick"            // [users, queue, position]
	ThenNext, ThenFallthrough  = "next", "fallthrough"   // leadrouter.RouteStep.Then
	SkipSuspended              = "suspended"             // a candidate's skip codes
	SkipExcluded               = "excluded"              // [why]
	SkipCapped                 = "capped"                // [daily cap]
	SkipOtherTier              = "other_tier"            //
	SkipNotInDirectory         = "not_in_directory"      //
	singleWhoCredited          = "credited"
	singleWhoAccountOwner      = "account_owner"
	reasonUnknownFallbackLabel = "(reason %s)"
)

// ReasonText renders a reason code and its arguments in words; name gives
// a partner's name by id (the id itself when it has none).
func ReasonText(code string, args []string, name func(id string) string) string {
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	switch code {
	case ReasonNotResponse:
		return "the lead is not a response to an open lead"
	case ReasonIsResponse:
		return "the lead is a response to open lead " + arg(0)
	case ReasonNoPID:
		return "no partner is credited with the lead (no PID)"
	case ReasonHasPID:
		return "partner " + arg(0) + " is credited with the lead (PID)"
	case ReasonNoAccountOwner:
		return "no partner owns the lead's account or any account in its hierarchy"
	case ReasonAccountOwned:
		return "partner " + arg(0) + " owns the lead's account (or its hierarchy)"
	case ReasonCountryUnknownIntl:
		return "the lead's country " + quoteOrNone(arg(0)) + " is not a known ISO code, so it is " + arg(1) + "known to be international"
	case ReasonHomeCountry:
		return "country " + arg(0) + " is the home country"
	case ReasonNotHomeCountry:
		return "country " + arg(0) + " is not the home country " + arg(1)
	case ReasonCountryUnknownIn:
		return "the lead's country " + quoteOrNone(arg(0)) + " is not a known ISO code (want one of " + arg(1) + ")"
	case ReasonCountryNotIn:
		return "country " + arg(0) + " is not one of " + arg(1)
	case ReasonCountryExcluded:
		return "country " + arg(0) + " is excluded (country_not_in " + arg(1) + ")"
	case ReasonSourceNotIn:
		return "source " + quoteOrNone(arg(0)) + " is not one of " + arg(1)
	case ReasonFormKindNotIn:
		return "form kind " + quoteOrNone(arg(0)) + " is not one of " + arg(1)
	case ReasonTitleNotIn:
		return "title " + quoteOrNone(arg(0)) + " is not one of " + arg(1)
	case ReasonTitleNoMatch:
		return "title " + quoteOrNone(arg(0)) + " contains none of " + arg(1)
	case ReasonSizeUnknown:
		return "the company size is unknown"
	case ReasonSizeBelow:
		return "company size " + arg(0) + " is below " + arg(1)
	case ReasonSizeAbove:
		return "company size " + arg(0) + " is above " + arg(1)
	case ReasonResponsesBelow:
		return arg(0) + " response(s), fewer than " + arg(1)
	case ReasonScoreBelow:
		return "score " + arg(0) + " is below " + arg(1)
	case ReasonConditionsHold:
		return "the conditions hold"
	case ReasonOwnerUnknown:
		return "the owner of open lead " + arg(0) + " is not known"
	case ReasonKeepsOwner:
		return "a response to open lead " + arg(0) + ": it keeps its owner " + arg(1)
	case ReasonPIDReserved:
		return "partner " + name(arg(0)) + " (PID " + arg(1) + ") is credited: vendor marketing nurtures the lead in queue " +
			arg(2) + ", reserved for " + name(arg(0)) + " when it converts"
	case ReasonAccountPartner:
		return "the lead's account (or another account in its hierarchy) is owned by " + name(arg(0))
	case ReasonSingleSkipped:
		who := "the credited partner"
		if arg(0) == singleWhoAccountOwner {
			who = "the account's owner"
		}
		return who + " " + name(arg(1)) + " is " + SkipText(arg(2), arg(3))
	case ReasonDefaultQueue:
		return "no rule assigned the lead: it waits in the default queue " + arg(0)
	case ReasonCountryUnknownTerr:
		return "the lead's country " + quoteOrNone(arg(0)) + " is not a known ISO code, so no territory includes it"
	case ReasonNoTerritory:
		return "no partner territory includes " + arg(0)
	case ReasonNoActiveTerritory:
		return "no active partner's territory includes " + arg(0)
	case ReasonTerritoryAllSkipped:
		return "every partner of " + arg(0) + "'s territory is excluded or at its daily cap"
	case ReasonTerritoryPick:
		return "country " + arg(0) + ": " + arg(1) + " among the " + arg(2) + " active partner(s) of its territory; position " + arg(3) + " gives " + name(arg(4))
	case ReasonQueueEmpty:
		return "queue " + arg(0) + " has no users: the lead waits in the queue"
	case ReasonQueueAllSkipped:
		return "every user of queue " + arg(0) + " is excluded or at the daily cap: the lead waits in the queue"
	case ReasonQueuePick:
		return "round robin among the " + arg(0) + " user(s) of queue " + arg(1) + ", at position " + arg(2) + " (the chosen user is the owner)"
	}
	return strings.Replace(reasonUnknownFallbackLabel, "%s", code, 1)
}

// StepText is a step's whole reason: ReasonText and what follows it.
func StepText(s leadrouter.RouteStep, name func(id string) string) string {
	text := ReasonText(s.Code, s.Args, name)
	switch s.Then {
	case ThenFallthrough:
		text += "; the lead waits in queue " + s.Chosen + " (fallthrough)"
	case ThenNext:
		text += "; trying the next rule"
	}
	return text
}

// SkipText renders why a candidate was skipped.
func SkipText(code, arg string) string {
	switch code {
	case SkipSuspended:
		return "suspended"
	case SkipExcluded:
		return "excluded (" + arg + ")"
	case SkipCapped:
		return "at its daily cap of " + arg
	case SkipOtherTier:
		return "not of a tier this rule takes"
	case SkipNotInDirectory:
		return "not in the partner directory"
	case "":
		return ""
	}
	return strings.Replace(reasonUnknownFallbackLabel, "%s", code, 1)
}
