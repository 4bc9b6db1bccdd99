// Command server runs the user service: gRPC on GRPC_PORT, the REST gateway
// on HTTP_PORT. Configuration comes from environment variables (see README).
//
//	server                 run the service
//	server --check-config  validate the environment (secret files included), open no connection, exit
//	server --version       print the version and exit
//
// Exit codes: see internal/app/exitcodes.go and the README.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/example/user-platform/services/user-service/internal/app"
	"github.com/example/user-platform/services/user-service/internal/config"
)

// version is set at build time: -ldflags "-X main.version=$(git describe --always --dirty)".
var version = "dev"

// debugHooks are added by build-tagged files (pprof.go, -tags pprof): each
// registers its flags and returns what to run once they are parsed.
var debugHooks []func(fs *flag.FlagSet) func() error

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	started := time.Now()
	fs := flag.NewFlagSet("user-service", flag.ContinueOnError)
	fs.SetOutput(stderr)
	checkConfig := fs.Bool("check-config", false, "validate the environment (including the *_FILE secrets) and exit; opens no connection")
	showVersion := fs.Bool("version", false, "print the version and exit")
	debugStarts := make([]func() error, 0, len(debugHooks))
	for _, h := range debugHooks {
		debugStarts = append(debugStarts, h(fs))
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return app.ExitOK
		}
		return app.ExitConfig
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "user-service: unexpected arguments %q\n", fs.Args())
		return app.ExitConfig
	}
	if *showVersion {
		fmt.Fprintln(stdout, version)
		return app.ExitOK
	}

	cfg, err := config.Load(os.LookupEnv)
	if err != nil {
		fmt.Fprintf(stderr, "user-service: %v\n", err)
		return app.ExitConfig
	}
	if *checkConfig {
		fmt.Fprintf(stdout, "user-service %s: configuration OK\n", version)
		return app.ExitOK
	}
	for _, start := range debugStarts {
		if err := start(); err != nil {
			fmt.Fprintf(stderr, "user-service: %v\n", err)
			return app.ExitConfig
		}
	}
	log := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	slog.SetDefault(log)
	log.Info("starting", slog.String("version", version))

	// The first SIGTERM/SIGINT starts the shutdown sequence; further ones are
	// ignored until it ends.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// The watchdog: whatever still runs when the shutdown budget (a margin
	// before the grace period) is spent, exit before the kubelet's SIGKILL.
	budget := app.ShutdownBudget(cfg.ShutdownDrain)
	context.AfterFunc(ctx, func() {
		time.AfterFunc(budget, func() {
			log.Error("shutdown budget spent, exiting", slog.Duration("budget", budget))
			os.Exit(app.ExitForcedStop)
		})
	})

	a, err := app.New(ctx, app.Options{Config: cfg, Logger: log, Version: version, StartedAt: started})
	if err != nil {
		log.Error("start-up failed", slog.String("error", err.Error()))
		return app.ExitFailure
	}
	if err := a.Run(ctx); err != nil {
		log.Error("server stopped with an error", slog.String("error", err.Error()))
		if errors.Is(err, app.ErrForcedStop) {
			return app.ExitForcedStop
		}
		return app.ExitFailure
	}
	return app.ExitOK
}
