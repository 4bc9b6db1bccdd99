package testutil

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"
)

// HangProxy is a TCP proxy in front of a server (Postgres) that can be made to
// hang: while hung it still accepts connections, but forwards nothing in
// either direction, like a database host that froze or a network partition
// that drops packets. Without a target it is a listener that accepts and
// never answers.
type HangProxy struct {
	lis    net.Listener
	target string

	mu     sync.Mutex
	hung   bool
	resume chan struct{} // closed when the proxy resumes
	stop   chan struct{} // closed by Close
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// NewHangProxy listens on 127.0.0.1 and forwards to target ("" = hang for
// ever). It is closed when the test ends.
func NewHangProxy(t testing.TB, target string) *HangProxy {
	t.Helper()
	var lc net.ListenConfig
	lis, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &HangProxy{lis: lis, target: target, resume: make(chan struct{}), stop: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	if target == "" {
		p.hung = true
	} else {
		close(p.resume)
	}
	p.wg.Go(p.accept)
	t.Cleanup(p.Close)
	return p
}

// Addr is the proxy's host:port.
func (p *HangProxy) Addr() string { return p.lis.Addr().String() }

// Hang stops forwarding (connections stay open, bytes are held back).
func (p *HangProxy) Hang() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.hung {
		p.hung = true
		p.resume = make(chan struct{})
	}
}

// Resume forwards again (only with a target).
func (p *HangProxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hung && p.target != "" {
		p.hung = false
		close(p.resume)
	}
}

// Close stops the listener and every connection.
func (p *HangProxy) Close() {
	_ = p.lis.Close()
	p.mu.Lock()
	if p.conns == nil {
		p.mu.Unlock()
		return
	}
	close(p.stop)
	for c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *HangProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

// gate blocks while the proxy hangs; false when the connection is closed meanwhile.
func (p *HangProxy) gate(done <-chan struct{}) bool {
	p.mu.Lock()
	resume := p.resume
	p.mu.Unlock()
	select {
	case <-resume:
		return true
	case <-done:
		return false
	}
}

func (p *HangProxy) accept() {
	for {
		c, err := p.lis.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			_ = c.Close()
			return
		}
		p.wg.Go(func() { p.serve(c) })
	}
}

func (p *HangProxy) serve(client net.Conn) {
	// A new connection while hung: accepted, never answered (until Resume).
	if !p.gate(p.stop) {
		_ = client.Close()
		return
	}
	dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	var d net.Dialer
	server, err := d.DialContext(dctx, "tcp", p.target)
	cancel()
	if err != nil {
		_ = client.Close()
		return
	}
	if !p.track(server) {
		_ = server.Close()
		_ = client.Close()
		return
	}
	pipe := func(dst, src net.Conn) {
		defer func() { _ = dst.Close(); _ = src.Close() }()
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				if !p.gate(p.stop) { // hung: hold the bytes back
					return
				}
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { pipe(server, client) })
	wg.Go(func() { pipe(client, server) })
	wg.Wait()
}
