// Package cache is the Redis adapter: a cache-aside decorator of the user
// repository. Redis is an optimisation only: when it fails or is down, reads
// go to the repository and the service stays up.
package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"

	"github.com/example/user-platform/services/user-service/internal/domain"
)

// KeyPrefix prefixes every cache key: the key of a user is KeyPrefix + id.
const KeyPrefix = "user-service:user:v1:"

// Key returns the cache key of a user id.
func Key(id string) string { return KeyPrefix + id }

// Options configures the Redis client.
type Options struct {
	Addr     string
	Password string
	DB       int
	PoolSize int
}

// NewClient returns a go-redis client with short timeouts, so that a slow or
// dead Redis costs little per request. It does not connect.
func NewClient(o Options) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr:            o.Addr,
		Password:        o.Password,
		DB:              o.DB,
		PoolSize:        o.PoolSize,
		DialTimeout:     250 * time.Millisecond,
		ReadTimeout:     200 * time.Millisecond,
		WriteTimeout:    200 * time.Millisecond,
		PoolTimeout:     250 * time.Millisecond,
		MaxRetries:      0,
		DisableIdentity: true, // no CLIENT SETINFO round trip on every new connection
	})
}

// CachedRepository implements cache-aside for GetByID on top of another
// repository, and invalidates the key of every user it writes. With a local
// tier (RepoOptions.LocalSize), users that Redis returned are also kept in
// process for RepoOptions.LocalTTL (see localCache for why that is safe).
type CachedRepository struct {
	local  *localCache
	next   domain.UserRepository
	rdb    redis.UniversalClient
	ttl    time.Duration
	log    *slog.Logger
	cb     *gobreaker.CircuitBreaker[any]
	gets   *getBatcher
	opTime time.Duration
	hooks  Hooks
}

// Hooks are what the cache reports, for metrics. Nil functions are skipped.
type Hooks struct {
	// Lookup is called once per GetByID: hit when Redis had the user (a
	// lookup skipped while the Redis breaker is open is a miss).
	Lookup func(ctx context.Context, hit bool)
	// BreakerChange is called after every transition of the Redis breaker.
	BreakerChange func(from, to string)
}

var _ domain.UserRepository = (*CachedRepository)(nil)

// RepoOptions configures NewCachedRepositoryWithOptions.
type RepoOptions struct {
	// TTL of the Redis entries.
	TTL time.Duration
	Log *slog.Logger
	// Hooks report lookups and breaker transitions.
	Hooks Hooks
	// LocalSize bounds the in-process tier in entries (0: no local tier);
	// LocalTTL is the lifetime of its entries.
	LocalSize int
	LocalTTL  time.Duration
}

// NewCachedRepository wraps next with a Redis cache of TTL ttl.
func NewCachedRepository(next domain.UserRepository, rdb redis.UniversalClient, ttl time.Duration, log *slog.Logger) *CachedRepository {
	return NewCachedRepositoryWithOptions(next, rdb, RepoOptions{TTL: ttl, Log: log})
}

// NewCachedRepositoryWithHooks is NewCachedRepository reporting to hooks.
func NewCachedRepositoryWithHooks(next domain.UserRepository, rdb redis.UniversalClient, ttl time.Duration, log *slog.Logger, hooks Hooks) *CachedRepository {
	return NewCachedRepositoryWithOptions(next, rdb, RepoOptions{TTL: ttl, Log: log, Hooks: hooks})
}

// NewCachedRepositoryWithOptions wraps next with a Redis cache and, when
// o.LocalSize > 0, an in-process tier in front of it.
func NewCachedRepositoryWithOptions(next domain.UserRepository, rdb redis.UniversalClient, o RepoOptions) *CachedRepository {
	log, hooks := o.Log, o.Hooks
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &CachedRepository{
		next: next, rdb: rdb, ttl: o.TTL, log: log, opTime: 200 * time.Millisecond, hooks: hooks,
		local: newLocalCache(o.LocalSize, o.LocalTTL),
	}
	c.gets = newGetBatcher(rdb, 4, 64, c.opTime)
	// While Redis is down the breaker skips it entirely, instead of paying a
	// failed dial on every request; it retries every 2s.
	c.cb = gobreaker.NewCircuitBreaker[any](gobreaker.Settings{
		Name:        "redis",
		MaxRequests: 1,
		Interval:    10 * time.Second,
		Timeout:     2 * time.Second,
		ReadyToTrip: func(counts gobreaker.Counts) bool { return counts.ConsecutiveFailures >= 3 },
		IsSuccessful: func(err error) bool {
			return err == nil || errors.Is(err, redis.Nil)
		},
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			log.Warn("redis circuit breaker", slog.String("from", from.String()), slog.String("to", to.String()))
			if hooks.BreakerChange != nil {
				hooks.BreakerChange(from.String(), to.String())
			}
		},
	})
	return c
}

type entry struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	CreatedAt int64  `json:"created_at_us"`
}

// GetByID implements domain.UserRepository: the local tier first, then
// Redis, then the repository. A Redis hit is admitted to the local tier; a
// value read from the repository only to Redis (so the local tier holds only
// what Redis held, and a read after the fill still goes to Redis once).
func (c *CachedRepository) GetByID(ctx context.Context, id string) (*domain.User, error) {
	if c.local != nil {
		if u, ok := c.local.get(id); ok {
			if c.hooks.Lookup != nil {
				c.hooks.Lookup(ctx, true)
			}
			return u, nil
		}
	}
	u, ok := c.get(ctx, id)
	if c.hooks.Lookup != nil {
		c.hooks.Lookup(ctx, ok)
	}
	if ok {
		if c.local != nil {
			c.local.put(u)
		}
		return u, nil
	}
	u, err := c.next.GetByID(ctx, id)
	if err != nil {
		return nil, err //nolint:wrapcheck // the decorated repository already wraps
	}
	c.set(ctx, u)
	return u, nil
}

// Create implements domain.UserRepository and invalidates the user's key.
func (c *CachedRepository) Create(ctx context.Context, u *domain.User) error {
	if err := c.next.Create(ctx, u); err != nil {
		return err //nolint:wrapcheck // the decorated repository already wraps
	}
	if c.local != nil {
		c.local.remove(u.ID)
	}
	c.invalidate(ctx, u.ID)
	return nil
}

// LocalLen is the number of entries in the local tier (0 without one).
func (c *CachedRepository) LocalLen() int {
	if c.local == nil {
		return 0
	}
	return c.local.len()
}

// BreakerState is the state of the Redis breaker (closed, half-open, open).
func (c *CachedRepository) BreakerState() string { return c.cb.State().String() }

// Close stops the background GET batchers (not the Redis client).
func (c *CachedRepository) Close() { c.gets.Close() }

// List implements domain.UserRepository (not cached: pages change with every write).
func (c *CachedRepository) List(ctx context.Context, after domain.Cursor, limit int) (domain.Page, error) {
	return c.next.List(ctx, after, limit) //nolint:wrapcheck // pass-through
}

func (c *CachedRepository) get(ctx context.Context, id string) (*domain.User, bool) {
	v, err := c.cb.Execute(func() (any, error) {
		ctx, cancel := context.WithTimeout(ctx, c.opTime)
		defer cancel()
		return c.gets.Get(ctx, Key(id))
	})
	if err != nil {
		if !errors.Is(err, redis.Nil) && !errors.Is(err, gobreaker.ErrOpenState) && !errors.Is(err, gobreaker.ErrTooManyRequests) {
			c.log.DebugContext(ctx, "cache get failed", slog.String("error", err.Error()))
		}
		return nil, false
	}
	b, _ := v.([]byte)
	var e entry
	if err := json.Unmarshal(b, &e); err != nil || e.ID != id {
		return nil, false
	}
	return &domain.User{ID: e.ID, Name: e.Name, Email: e.Email, CreatedAt: time.UnixMicro(e.CreatedAt).UTC()}, true
}

func (c *CachedRepository) set(ctx context.Context, u *domain.User) {
	b, err := json.Marshal(entry{ID: u.ID, Name: u.Name, Email: u.Email, CreatedAt: u.CreatedAt.UnixMicro()})
	if err != nil {
		return
	}
	_, err = c.cb.Execute(func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opTime)
		defer cancel()
		return nil, c.rdb.Set(ctx, Key(u.ID), b, c.ttl).Err()
	})
	if err != nil {
		c.log.DebugContext(ctx, "cache set failed", slog.String("error", err.Error()))
	}
}

func (c *CachedRepository) invalidate(ctx context.Context, id string) {
	_, err := c.cb.Execute(func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opTime)
		defer cancel()
		return nil, c.rdb.Del(ctx, Key(id)).Err()
	})
	if err != nil {
		c.log.WarnContext(ctx, "cache invalidation failed", slog.String("key", Key(id)), slog.String("error", fmt.Sprint(err)))
	}
}
