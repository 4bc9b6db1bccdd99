// Package persistence is the Postgres adapter: a pgx v5 pool, embedded SQL
// migrations, the UserRepository and a circuit breaker around it.
package persistence

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PoolConfig sizes the connection pool. Zero values take the defaults of the
// seed article: 25 max, 10 min, 5 min lifetime, 2 min idle time.
type PoolConfig struct {
	DSN             string
	MaxConns        int32
	MinConns        int32
	MaxConnLifetime time.Duration
	MaxConnIdleTime time.Duration
	ConnectTimeout  time.Duration
	// Password, when set, is called for every new connection (the migration
	// connection and each pool connection) and overrides the DSN's password,
	// so that a rotated password file is picked up without a restart.
	Password func() (string, error)
}

func (c PoolConfig) withDefaults() PoolConfig {
	if c.MaxConns == 0 {
		c.MaxConns = 25
	}
	if c.MinConns == 0 {
		c.MinConns = 10
	}
	if c.MinConns > c.MaxConns {
		c.MinConns = c.MaxConns
	}
	if c.MaxConnLifetime == 0 {
		c.MaxConnLifetime = 5 * time.Minute
	}
	if c.MaxConnIdleTime == 0 {
		c.MaxConnIdleTime = 2 * time.Minute
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = 2 * time.Second
	}
	return c
}

// NewPool builds a pool (connections are opened lazily, min conns in the
// background) and checks that the database answers within ctx.
func NewPool(ctx context.Context, c PoolConfig) (*pgxpool.Pool, error) {
	cfg, err := poolConfig(c)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database: %w", err)
	}
	return pool, nil
}

// OpenLazy builds a pool without contacting the database (connections are
// opened on first use).
func OpenLazy(c PoolConfig) (*pgxpool.Pool, error) {
	cfg, err := poolConfig(c)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	return pool, nil
}

// OpenMigrated migrates the database over one dedicated connection, then
// returns the pool. Migrating before the pool exists keeps the pool's
// background warm-up (MinConns connections at once) off the start-up path.
func OpenMigrated(ctx context.Context, c PoolConfig) (*pgxpool.Pool, error) {
	cfg, err := poolConfig(c)
	if err != nil {
		return nil, err
	}
	connCfg := cfg.ConnConfig.Copy()
	if c.Password != nil {
		pw, err := c.Password()
		if err != nil {
			return nil, fmt.Errorf("database password: %w", err)
		}
		connCfg.Password = pw
	}
	conn, err := pgx.ConnectConfig(ctx, connCfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	err = Migrate(ctx, conn)
	closeErr := conn.Close(ctx)
	if err != nil {
		return nil, err
	}
	if closeErr != nil {
		return nil, fmt.Errorf("close migration connection: %w", closeErr)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	return pool, nil
}

func poolConfig(c PoolConfig) (*pgxpool.Config, error) {
	c = c.withDefaults()
	cfg, err := pgxpool.ParseConfig(c.DSN)
	if err != nil {
		// pgx error messages may echo the DSN; do not wrap them.
		return nil, fmt.Errorf("parse database DSN: invalid connection string")
	}
	cfg.MaxConns = c.MaxConns
	cfg.MinConns = c.MinConns
	cfg.MaxConnLifetime = c.MaxConnLifetime
	cfg.MaxConnLifetimeJitter = c.MaxConnLifetime / 10
	cfg.MaxConnIdleTime = c.MaxConnIdleTime
	cfg.HealthCheckPeriod = 30 * time.Second
	cfg.ConnConfig.ConnectTimeout = c.ConnectTimeout
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "user-service"
	if c.Password != nil {
		password := c.Password
		cfg.BeforeConnect = func(_ context.Context, cc *pgx.ConnConfig) error {
			pw, err := password()
			if err != nil {
				return fmt.Errorf("database password: %w", err)
			}
			cc.Password = pw
			return nil
		}
	}
	return cfg, nil
}
