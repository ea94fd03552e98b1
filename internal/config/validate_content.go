package config

import "github.com/ferrydata/ferry/internal/validate"

// validateContent checks a route's content checks: known validators, each
// once, and what to do with a file they find broken.
func (r *Route) validateContent(p *problems, key string) {
	if err := validate.Check(r.Validate); err != nil {
		p.addf(key+".validate", "%v", err)
	}
	switch r.OnInvalid {
	case OnInvalidKeep, OnInvalidFlag:
	default:
		p.addf(key+".on_invalid", "%q must be %s or %s", r.OnInvalid, OnInvalidKeep, OnInvalidFlag)
	}
	if r.ValidateBeforeCopy && len(r.Validate) == 0 {
		p.addf(key+".validate_before_copy", "is true but validate names no validator")
	}
}
