package leadrouter

import "time"

// Token is an API token as it is listed: never its secret (only the
// secret's hash is stored).
type Token struct {
	ID        string     `json:"id"`
	UserID    string     `json:"user_id"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}
