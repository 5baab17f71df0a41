package leadrouter

import "time"

// User is a person (or integration) who signs in with a token or password.
type User struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	PartnerID string    `json:"partner_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Actor returns the actor the user acts as.
func (u User) Actor() Actor {
	return Actor{UserID: u.ID, Name: u.Name, Role: u.Role, PartnerID: u.PartnerID}
}

// NewUser is the input of creating a user.
type NewUser struct {
	Email     string
	Name      string
	Role      Role
	PartnerID string
	Password  string
}

// Validate normalises the input and reports every invalid field.
func (u *NewUser) Validate() error {
	var v Validation
	if email, err := ParseEmail(u.Email); err != nil {
		v.Add("email", "%s", ErrorMessage(err))
	} else {
		u.Email = email
	}
	if u.Name == "" {
		v.Add("name", "is required")
	}
	if !u.Role.Valid() {
		v.Add("role", "must be one of admin, pam, relations, support, sales, partner")
	}
	if u.Role == RolePartner && u.PartnerID == "" {
		v.Add("partner_id", "is required for a partner user")
	}
	if u.Role != RolePartner && u.PartnerID != "" {
		v.Add("partner_id", "is only for partner users")
	}
	if u.Password != "" && len(u.Password) < 10 {
		v.Add("password", "must have at least 10 characters")
	}
	if len(u.Password) > 72 {
		v.Add("password", "must have at most 72 characters")
	}
	return v.Err()
}

// Session is a signed-in portal session: its user and the CSRF token its
// forms carry.
type Session struct {
	User User
	CSRF string
	// Lang is the language the user chose for the portal ("" when none
	// was chosen: the browser's then).
	Lang string
	// TimeZone is the zone the user reads dates in: their own choice, or
	// their partner's zone, or "" (UTC).
	TimeZone string
}
