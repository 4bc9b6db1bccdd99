package cache

import (
	"sync"
	"time"

	"github.com/example/user-platform/services/user-service/internal/domain"
)

// Defaults of the in-process tier (CACHE_LOCAL_SIZE, CACHE_LOCAL_TTL).
const (
	DefaultLocalSize = 4096
	DefaultLocalTTL  = 30 * time.Second
	// LocalEntryMaxBytes bounds the memory of one entry: the id (36 bytes),
	// a name of at most 100 characters (400 bytes of UTF-8), an email of at
	// most 254 bytes, the time, and the map and ring overhead.
	LocalEntryMaxBytes = 36 + 400 + 254 + 24 + 2*16 + 96
)

// localCache is the in-process tier in front of Redis: a bounded map of users
// that Redis returned, each kept for at most ttl. It holds at most size
// entries; when full, the oldest insertion is evicted (FIFO: a hit costs a
// read lock and no write, which matters more here than LRU's hit rate).
//
// It is safe because users are immutable in this API (there is no UpdateUser
// or DeleteUser): an entry can only be older than the row if the row changed
// outside the API, and then the entry lives at most ttl. Only values Redis
// returned are admitted, so this tier never holds anything Redis (and,
// through cache-aside, Postgres) did not hold first, and the Redis tier keeps
// being filled and used: while Redis is down nothing new is admitted.
type localCache struct {
	ttl time.Duration
	now func() time.Time

	mu    sync.RWMutex
	items map[string]localEntry
	ring  []string // ids in insertion order; ring[next] is the oldest
	next  int
}

type localEntry struct {
	user    domain.User
	expires time.Time
}

// newLocalCache returns nil (no tier) when size or ttl is not positive.
func newLocalCache(size int, ttl time.Duration) *localCache {
	if size <= 0 || ttl <= 0 {
		return nil
	}
	return &localCache{ttl: ttl, now: time.Now, items: make(map[string]localEntry, size), ring: make([]string, size)}
}

// get returns a copy of the entry of id unless it is absent or expired.
func (l *localCache) get(id string) (*domain.User, bool) {
	l.mu.RLock()
	e, ok := l.items[id]
	l.mu.RUnlock()
	if !ok || !l.now().Before(e.expires) {
		return nil, false
	}
	u := e.user
	return &u, true
}

// put stores a copy of u for ttl, evicting the oldest entry when full.
func (l *localCache) put(u *domain.User) {
	e := localEntry{user: *u, expires: l.now().Add(l.ttl)}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.items[u.ID]; ok {
		l.items[u.ID] = e
		return
	}
	if old := l.ring[l.next]; old != "" {
		delete(l.items, old)
	}
	l.ring[l.next] = u.ID
	l.next = (l.next + 1) % len(l.ring)
	l.items[u.ID] = e
}

// remove drops the entry of id (its ring slot is reused when it comes round).
func (l *localCache) remove(id string) {
	l.mu.Lock()
	delete(l.items, id)
	l.mu.Unlock()
}

func (l *localCache) len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.items)
}
