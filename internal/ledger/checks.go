package ledger

// Checks is what a route's content validators (internal/validate) found in
// the bytes of a file's copy, read back by the verifier.
type Checks struct {
	Ran       []string `json:"ran"`
	Valid     bool     `json:"valid"`
	Validator string   `json:"validator,omitempty"` // the first that found a fault
	Offset    int64    `json:"offset"`              // of the record or gzip member at fault; -1 unknown
	Error     string   `json:"error,omitempty"`
}
