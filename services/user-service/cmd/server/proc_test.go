package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// serverProc is the real binary started with GRPC_PORT, HTTP_PORT and
// METRICS_PORT 0: the kernel picks its ports when it listens, so no other
// process can take them between a test choosing a port and the server binding
// it (CI once failed "bind: address already in use" with ports a test had
// probed free a moment before). The test learns the addresses from the
// server's "serving" log line.
type serverProc struct {
	cmd    *exec.Cmd
	logs   *serverLog
	exited chan error    // the exit status, once (a reader that needs it again puts it back)
	done   chan struct{} // closed when the process has exited
}

// listenAddrs are the loopback addresses of a started server's listeners.
type listenAddrs struct {
	GRPC, HTTP, Metrics string
}

// launchServer starts the binary with env (which must not set the ports) and
// returns at once; wait for it with serving. The process is killed at the
// end of the test if it still runs.
func launchServer(t *testing.T, env ...string) *serverProc {
	t.Helper()
	p := &serverProc{logs: newServerLog(), exited: make(chan error, 1), done: make(chan struct{})}
	p.cmd = exec.Command(binary)
	p.cmd.Env = append([]string{"GRPC_PORT=0", "HTTP_PORT=0", "METRICS_PORT=0"}, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.exited <- p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.kill)
	return p
}

// serving waits for the "serving" log line (written just before the server
// reports ready) and returns the addresses it names, or an error when the
// process exits or timeout passes first.
func (p *serverProc) serving(timeout time.Duration) (listenAddrs, error) {
	select {
	case a := <-p.logs.addrs:
		p.logs.addrs <- a // later calls get them too
		return a, nil
	case err := <-p.exited:
		p.exited <- err
		return listenAddrs{}, fmt.Errorf("exited before serving: %v", err)
	case <-time.After(timeout):
		return listenAddrs{}, fmt.Errorf("no \"serving\" log line within %v", timeout)
	}
}

// startServer launches the binary and waits until it serves; the test fails
// with the server's log when it does not, and prints the log at its end when
// it failed later.
func startServer(t *testing.T, env ...string) (*serverProc, listenAddrs) {
	t.Helper()
	p := launchServer(t, env...)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server logs:\n%s", p.logs)
		}
	})
	a, err := p.serving(20 * time.Second)
	if err != nil {
		t.Fatalf("server: %v", err)
	}
	return p, a
}

// kill ends the process if it still runs and waits until it has exited.
func (p *serverProc) kill() {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// serverLog collects the server's output (safe for concurrent writes and
// reads) and sends the addresses of its first "serving" line on addrs.
type serverLog struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	scanned int
	found   bool
	addrs   chan listenAddrs
}

func newServerLog() *serverLog { return &serverLog{addrs: make(chan listenAddrs, 1)} }

func (l *serverLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(b)
	for !l.found {
		rest := l.buf.Bytes()[l.scanned:]
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		line := rest[:i]
		l.scanned += i + 1
		var rec struct {
			Msg     string `json:"msg"`
			GRPC    string `json:"grpc_addr"`
			HTTP    string `json:"http_addr"`
			Metrics string `json:"metrics_addr"`
		}
		if json.Unmarshal(line, &rec) != nil || rec.Msg != "serving" {
			continue
		}
		l.found = true
		l.addrs <- listenAddrs{GRPC: loopback(rec.GRPC), HTTP: loopback(rec.HTTP), Metrics: loopback(rec.Metrics)}
	}
	return len(b), nil
}

func (l *serverLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// loopback turns a listener address such as [::]:41557 into 127.0.0.1:41557.
func loopback(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return net.JoinHostPort("127.0.0.1", port)
}
