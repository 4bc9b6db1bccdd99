// Command server runs the user service: gRPC on GRPC_PORT, the REST gateway
// on HTTP_PORT. Configuration comes from environment variables (see README).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/example/user-platform/services/user-service/internal/app"
	"github.com/example/user-platform/services/user-service/internal/config"
)

// version is set at build time: -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() { os.Exit(run()) }

func run() int {
	started := time.Now()
	cfg, err := config.Load(os.LookupEnv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "user-service: %v\n", err)
		return 2
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	slog.SetDefault(log)

	// The first SIGTERM/SIGINT starts the shutdown sequence; further ones are
	// ignored until it ends (the kubelet's SIGKILL is the hard stop).
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	a, err := app.New(ctx, app.Options{Config: cfg, Logger: log, Version: version, StartedAt: started})
	if err != nil {
		log.Error("start-up failed", slog.String("error", err.Error()))
		return 1
	}
	if err := a.Run(ctx); err != nil {
		log.Error("server stopped with an error", slog.String("error", err.Error()))
		return 1
	}
	return 0
}
