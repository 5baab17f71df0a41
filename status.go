package leadrouter

// A value is a closed set of strings with a Valid method: statuses,
// sources, owner kinds, flags, effects.
type value interface {
	~string
	Valid() bool
}

// parseValue returns s as a V, or EINVALID naming what was expected.
func parseValue[V value](what, s string) (V, error) {
	v := V(s)
	if !v.Valid() {
		return "", Errorf(EINVALID, "%q is not a known %s.", s, what)
	}
	return v, nil
}
