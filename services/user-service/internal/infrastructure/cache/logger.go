package cache

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/redis/go-redis/v9"
)

var setLoggerOnce sync.Once

// RouteClientLogs sends go-redis' internal log lines (dial failures and the
// like) to log at debug level instead of its own plain-text stderr logger.
// go-redis has one process-wide logger, so only the first call counts.
func RouteClientLogs(log *slog.Logger) {
	setLoggerOnce.Do(func() { redis.SetLogger(slogPrintf{log: log}) })
}

type slogPrintf struct{ log *slog.Logger }

func (s slogPrintf) Printf(ctx context.Context, format string, v ...any) {
	if s.log.Enabled(ctx, slog.LevelDebug) {
		s.log.DebugContext(ctx, "redis client", slog.String("detail", fmt.Sprintf(format, v...)))
	}
}
