package app

// Exit codes of cmd/server (documented in the README). They are distinct, so
// that an operator (or a test) can tell a bad configuration from a dependency
// that was not there at start-up, and a clean stop from one that cut calls.
// Go itself exits with 2 on an unrecovered panic, so 2 is never used here.
const (
	// ExitOK: stopped cleanly (every in-flight call finished).
	ExitOK = 0
	// ExitFailure: start-up failed (database unreachable or missing, TLS
	// refused, migration failed, a port in use, ...) or a server failed while
	// running. The cause is logged. Kubernetes restarts the container.
	ExitFailure = 1
	// ExitForcedStop: the shutdown budget ran out: calls still in flight were
	// cut by the forced stop, or cleanup did not finish in time.
	ExitForcedStop = 3
	// ExitConfig: the configuration is invalid (also --check-config and bad
	// command-line flags). Every problem is printed on stderr, naming the
	// variable. Restarting will not help.
	ExitConfig = 78 // EX_CONFIG of sysexits.h
)
