package cache

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/example/user-platform/services/user-service/internal/domain"
)

func localUser(i int) *domain.User {
	return &domain.User{ID: fmt.Sprintf("0190f3c4-5b6a-7c8d-9e0f-%012d", i), Name: "N", Email: "e@example.com", CreatedAt: time.Unix(1, 0).UTC()}
}

func TestLocalCache(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		size int
		run  func(t *testing.T, l *localCache, clock *time.Time)
	}{
		{"hit returns a copy", 4, func(t *testing.T, l *localCache, _ *time.Time) {
			l.put(localUser(1))
			u, ok := l.get(localUser(1).ID)
			if !ok || u.Name != "N" {
				t.Fatalf("get = %+v, %v", u, ok)
			}
			u.Name = "changed by a caller"
			if again, _ := l.get(localUser(1).ID); again.Name != "N" {
				t.Fatalf("a caller's change reached the cache: %q", again.Name)
			}
		}},
		{"miss", 4, func(t *testing.T, l *localCache, _ *time.Time) {
			if _, ok := l.get(localUser(1).ID); ok {
				t.Fatal("hit on an empty cache")
			}
		}},
		{"expires after ttl", 4, func(t *testing.T, l *localCache, clock *time.Time) {
			l.put(localUser(1))
			*clock = clock.Add(time.Minute - time.Nanosecond)
			if _, ok := l.get(localUser(1).ID); !ok {
				t.Fatal("expired before ttl")
			}
			*clock = clock.Add(time.Nanosecond)
			if _, ok := l.get(localUser(1).ID); ok {
				t.Fatal("served after ttl")
			}
		}},
		{"bounded: oldest evicted first", 3, func(t *testing.T, l *localCache, _ *time.Time) {
			for i := range 10 {
				l.put(localUser(i))
				if n := l.len(); n > 3 {
					t.Fatalf("%d entries after %d puts, bound 3", n, i+1)
				}
			}
			for i := range 10 {
				_, ok := l.get(localUser(i).ID)
				if want := i >= 7; ok != want {
					t.Errorf("user %d cached = %v, want %v", i, ok, want)
				}
			}
		}},
		{"put again refreshes, no second slot", 2, func(t *testing.T, l *localCache, clock *time.Time) {
			l.put(localUser(1))
			*clock = clock.Add(30 * time.Second)
			l.put(localUser(1))
			l.put(localUser(2))
			*clock = clock.Add(45 * time.Second)
			if _, ok := l.get(localUser(1).ID); !ok {
				t.Fatal("refreshed entry expired or evicted")
			}
			if n := l.len(); n != 2 {
				t.Fatalf("%d entries, want 2", n)
			}
		}},
		{"remove", 2, func(t *testing.T, l *localCache, _ *time.Time) {
			l.put(localUser(1))
			l.remove(localUser(1).ID)
			if _, ok := l.get(localUser(1).ID); ok {
				t.Fatal("removed entry served")
			}
			for i := range 5 { // the stale ring slot does not break the bound
				l.put(localUser(i))
				if n := l.len(); n > 2 {
					t.Fatalf("%d entries, bound 2", n)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := newLocalCache(tt.size, time.Minute)
			clock := time.Unix(1000, 0)
			l.now = func() time.Time { return clock }
			tt.run(t, l, &clock)
		})
	}
}

func TestLocalCacheOff(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		size int
		ttl  time.Duration
	}{{0, time.Minute}, {-1, time.Minute}, {10, 0}} {
		if l := newLocalCache(c.size, c.ttl); l != nil {
			t.Errorf("newLocalCache(%d, %v) = %v, want nil (no tier)", c.size, c.ttl, l)
		}
	}
}

// TestLocalCacheConcurrent is for -race: readers and writers together.
func TestLocalCacheConcurrent(t *testing.T) {
	t.Parallel()
	l := newLocalCache(64, time.Minute)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				u := localUser((w*2000 + i) % 200)
				l.put(u)
				if got, ok := l.get(u.ID); ok && got.ID != u.ID {
					t.Errorf("got %s for %s", got.ID, u.ID)
				}
				if i%7 == 0 {
					l.remove(u.ID)
				}
			}
		})
	}
	wg.Wait()
	if n := l.len(); n > 64 {
		t.Fatalf("%d entries, bound 64", n)
	}
}
