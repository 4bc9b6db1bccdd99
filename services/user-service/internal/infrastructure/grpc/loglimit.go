package grpc

import (
	"sync"
	"time"
)

// DefaultLogEvery is how often a failed-call log line of one class (method +
// status code) may be written; the lines in between are counted, not written.
const DefaultLogEvery = time.Second

// LogLimiter rate-limits failed-call logging per class: the first failure of
// a class is logged, then at most one line per interval, carrying the number
// of failures suppressed since the previous line. An outage therefore costs a
// few lines per second, not one per call. Classes are bounded (methods x
// codes), so the map is too.
type LogLimiter struct {
	every time.Duration
	now   func() time.Time

	mu      sync.Mutex
	classes map[logClass]*classState
}

type logClass struct {
	method string
	code   uint32
}

type classState struct {
	next       time.Time
	suppressed int
}

// NewLogLimiter lets one line per class through every interval (<= 0: no limit).
func NewLogLimiter(every time.Duration) *LogLimiter {
	return &LogLimiter{every: every, now: time.Now, classes: map[logClass]*classState{}}
}

// allow reports whether a line for the class may be written now, and how many
// were suppressed before it.
func (l *LogLimiter) allow(method string, code uint32) (ok bool, suppressed int) {
	if l == nil || l.every <= 0 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	k := logClass{method, code}
	st, found := l.classes[k]
	if !found {
		l.classes[k] = &classState{next: now.Add(l.every)}
		return true, 0
	}
	if now.Before(st.next) {
		st.suppressed++
		return false, 0
	}
	suppressed = st.suppressed
	st.suppressed = 0
	st.next = now.Add(l.every)
	return true, suppressed
}
