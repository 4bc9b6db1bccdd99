package cache_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/example/user-platform/services/user-service/internal/domain"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/cache"
	"github.com/example/user-platform/services/user-service/internal/testutil"
)

// TestConcurrentReadsGetTheirOwnUser checks that coalesced GETs (MGET
// batches) hand every caller its own value, hits and misses mixed.
func TestConcurrentReadsGetTheirOwnUser(t *testing.T) {
	addr := testutil.Env(t, "TEST_REDIS_ADDR")
	ctx := context.Background()
	rdb := cache.NewClient(cache.Options{Addr: addr})
	defer func() { _ = rdb.Close() }()
	repo := &countingRepo{users: map[string]*domain.User{}}
	var mu sync.Mutex
	locked := &lockedRepo{next: repo, mu: &mu}
	c := cache.NewCachedRepository(locked, rdb, time.Minute, slog.New(slog.DiscardHandler))
	defer c.Close()

	prefix := time.Now().UnixNano() % 1e6
	const n = 300
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("0190f3c4-5b6a-7c8d-%04d-%012d", prefix%10000, i)
		u := user(ids[i])
		u.Name = "name-" + ids[i]
		if err := c.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 { // half of them cached before the burst
			if _, err := c.GetByID(ctx, ids[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, n*3)
	for round := range 3 {
		for i := range n {
			wg.Go(func() {
				u, err := c.GetByID(ctx, ids[i])
				switch {
				case err != nil:
					errs <- fmt.Errorf("round %d id %d: %w", round, i, err)
				case u.ID != ids[i] || u.Name != "name-"+ids[i]:
					errs <- fmt.Errorf("round %d: asked %s, got %s/%s", round, ids[i], u.ID, u.Name)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

type lockedRepo struct {
	next *countingRepo
	mu   *sync.Mutex
}

func (l *lockedRepo) GetByID(ctx context.Context, id string) (*domain.User, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.next.GetByID(ctx, id)
}

func (l *lockedRepo) Create(ctx context.Context, u *domain.User) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.next.Create(ctx, u)
}

func (l *lockedRepo) List(ctx context.Context, c domain.Cursor, n int) (domain.Page, error) {
	return l.next.List(ctx, c, n)
}
