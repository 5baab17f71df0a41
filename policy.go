package leadrouter

// PolicyVersion is one stored version of the routing policy.
type PolicyVersion struct {
	Version   int64  `json:"version"`
	Source    string `json:"source"`
	CreatedBy string `json:"created_by"`
	CreatedAt string `json:"created_at"`
}
