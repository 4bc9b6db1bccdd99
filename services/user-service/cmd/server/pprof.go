//go:build pprof

package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// Built only with -tags pprof (scripts/bench.sh, BENCH_PROFILE): the release
// binary has neither the flag nor net/http/pprof.
func init() { debugHooks = append(debugHooks, pprofHook) }

// pprofHook adds -pprof-addr: serve net/http/pprof there (loopback only).
func pprofHook(fs *flag.FlagSet) func() error {
	addr := fs.String("pprof-addr", "", "serve net/http/pprof on this loopback address (pprof builds only)")
	return func() error {
		if *addr == "" {
			return nil
		}
		host, _, err := net.SplitHostPort(*addr)
		if err != nil || !net.ParseIP(host).IsLoopback() {
			return fmt.Errorf("-pprof-addr %q: want a loopback host:port", *addr)
		}
		lis, err := net.Listen("tcp", *addr)
		if err != nil {
			return fmt.Errorf("-pprof-addr: %w", err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(lis) }()
		return nil
	}
}
