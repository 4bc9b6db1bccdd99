package cache_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/example/user-platform/services/user-service/internal/domain"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/cache"
	"github.com/example/user-platform/services/user-service/internal/testutil"
)

type countingRepo struct {
	users map[string]*domain.User
	gets  int
}

func (r *countingRepo) GetByID(_ context.Context, id string) (*domain.User, error) {
	r.gets++
	if u, ok := r.users[id]; ok {
		return u, nil
	}
	return nil, fmt.Errorf("select: %w", domain.ErrNotFound)
}

func (r *countingRepo) Create(_ context.Context, u *domain.User) error {
	r.users[u.ID] = u
	return nil
}

func (r *countingRepo) List(context.Context, domain.Cursor, int) (domain.Page, error) {
	return domain.Page{}, nil
}

func user(id string) *domain.User {
	return &domain.User{ID: id, Name: "N", Email: id[:8] + "@example.com", CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
}

func TestCacheAsideAndInvalidation(t *testing.T) {
	addr := testutil.Env(t, "TEST_REDIS_ADDR")
	ctx := context.Background()
	rdb := cache.NewClient(cache.Options{Addr: addr})
	defer func() { _ = rdb.Close() }()
	repo := &countingRepo{users: map[string]*domain.User{}}
	c := cache.NewCachedRepository(repo, rdb, time.Minute, slog.New(slog.DiscardHandler))
	defer c.Close()

	id := fmt.Sprintf("0190f3c4-5b6a-7c8d-9e0f-%012d", time.Now().UnixNano()%1e12)
	u := user(id)
	// A stale entry for the id: Create must invalidate it.
	if err := rdb.Set(ctx, cache.Key(id), `{"id":"`+id+`","name":"stale"}`, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	if n, _ := rdb.Exists(ctx, cache.Key(id)).Result(); n != 0 {
		t.Fatal("Create did not invalidate the key")
	}
	for range 3 {
		got, err := c.GetByID(ctx, id)
		if err != nil || got.Name != "N" || !got.CreatedAt.Equal(u.CreatedAt) {
			t.Fatalf("GetByID = %+v, %v", got, err)
		}
	}
	if repo.gets != 1 {
		t.Fatalf("repository read %d times, want 1 (then Redis hits)", repo.gets)
	}
	if ttl, _ := rdb.TTL(ctx, cache.Key(id)).Result(); ttl <= 0 || ttl > time.Minute {
		t.Fatalf("TTL = %v", ttl)
	}
}

func TestRedisDownFallsBack(t *testing.T) {
	t.Parallel()
	rdb := cache.NewClient(cache.Options{Addr: "127.0.0.1:1"}) // nothing listens on port 1
	defer func() { _ = rdb.Close() }()
	repo := &countingRepo{users: map[string]*domain.User{}}
	c := cache.NewCachedRepository(repo, rdb, time.Minute, slog.New(slog.DiscardHandler))
	defer c.Close()
	id := "0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f"
	if err := c.Create(context.Background(), user(id)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for range 20 {
		if _, err := c.GetByID(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("20 reads with Redis down took %v", d)
	}
	if repo.gets != 20 {
		t.Fatalf("repository reads = %d, want 20", repo.gets)
	}
}

// TestLocalTierAdmitsOnlyRedisHits: with a local tier, the first read after a
// fill still goes to Redis (the tier admits only what Redis returned), later
// reads are served in process, Create drops the local copy, and while Redis
// is down nothing new is admitted (reads go to the repository).
func TestLocalTierAdmitsOnlyRedisHits(t *testing.T) {
	addr := testutil.Env(t, "TEST_REDIS_ADDR")
	ctx := context.Background()
	rdb := cache.NewClient(cache.Options{Addr: addr})
	defer func() { _ = rdb.Close() }()
	repo := &countingRepo{users: map[string]*domain.User{}}
	var hits, misses int
	c := cache.NewCachedRepositoryWithOptions(repo, rdb, cache.RepoOptions{
		TTL: time.Minute, LocalSize: 16, LocalTTL: time.Minute,
		Hooks: cache.Hooks{Lookup: func(_ context.Context, hit bool) {
			if hit {
				hits++
			} else {
				misses++
			}
		}},
	})
	defer c.Close()

	id := fmt.Sprintf("0190f3c4-5b6a-7c8d-9e1f-%012d", time.Now().UnixNano()%1e12)
	if err := c.Create(ctx, user(id)); err != nil {
		t.Fatal(err)
	}
	get := func() *domain.User {
		t.Helper()
		u, err := c.GetByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	get() // miss everywhere: repository, then Redis filled
	if c.LocalLen() != 0 || repo.gets != 1 {
		t.Fatalf("after the fill: %d local entries, %d repository reads; want 0, 1", c.LocalLen(), repo.gets)
	}
	// Change the Redis copy only: the next read must come from Redis...
	if err := rdb.Set(ctx, cache.Key(id), `{"id":"`+id+`","name":"From Redis","email":"r@example.com","created_at_us":1}`, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if u := get(); u.Name != "From Redis" {
		t.Fatalf("second read = %q, want the Redis copy", u.Name)
	}
	// ...and, admitted, the following ones from process memory.
	if err := rdb.Del(ctx, cache.Key(id)).Err(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if u := get(); u.Name != "From Redis" {
			t.Fatalf("local read = %q, want the admitted copy", u.Name)
		}
	}
	if repo.gets != 1 || hits != 4 || misses != 1 || c.LocalLen() != 1 {
		t.Fatalf("repository reads %d, hits %d, misses %d, local %d; want 1, 4, 1, 1", repo.gets, hits, misses, c.LocalLen())
	}
	// Create of the same id (a re-insert in tests) drops the local copy.
	if err := c.Create(ctx, user(id)); err != nil {
		t.Fatal(err)
	}
	if c.LocalLen() != 0 {
		t.Fatal("Create left the local copy")
	}
}

// TestLocalTierRedisDown: nothing is admitted while Redis is down, so every
// read reaches the repository (as without a local tier).
func TestLocalTierRedisDown(t *testing.T) {
	t.Parallel()
	rdb := cache.NewClient(cache.Options{Addr: "127.0.0.1:1"})
	defer func() { _ = rdb.Close() }()
	repo := &countingRepo{users: map[string]*domain.User{}}
	c := cache.NewCachedRepositoryWithOptions(repo, rdb, cache.RepoOptions{TTL: time.Minute, LocalSize: 16, LocalTTL: time.Minute})
	defer c.Close()
	id := "0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f"
	if err := c.Create(context.Background(), user(id)); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := c.GetByID(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	if repo.gets != 5 || c.LocalLen() != 0 {
		t.Fatalf("repository reads %d, local entries %d; want 5, 0", repo.gets, c.LocalLen())
	}
}
