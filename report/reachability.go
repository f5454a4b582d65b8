package report

// Reachability statuses (Finding.Reachability.Status).
const (
	Reachable   = "reachable"
	Unreachable = "unreachable"
	Unknown     = "unknown"
)

// Reachability says whether the vulnerable code of a Go finding is reachable from the program
// that was scanned ('hallmark scan --reachability', see package reach). Only Go findings get
// one; it does not change whether the finding counts for --fail-on.
type Reachability struct {
	// Status is reachable, unreachable or unknown.
	Status string `json:"status"`
	// Symbols are the vulnerable symbols ("pkg/path.Func", "pkg/path.Type.Method"): those the
	// program reaches when Status is reachable, else those the advisories name.
	Symbols []string `json:"symbols,omitempty"`
	// Reason explains an unreachable or unknown status ("imported, not called", "package not
	// imported", or why the analysis could not run).
	Reason string `json:"reason,omitempty"`
}
