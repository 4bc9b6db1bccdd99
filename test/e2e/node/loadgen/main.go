// Command loadgen is the e2e node suite's gRPC client (test/e2e/node): it calls the user service
// through its Service (kube-proxy) from outside the cluster.
//
//	loadgen seed  -addr A                       create one user, print its id
//	loadgen load  -addr A -id ID -rate R -conns N -out calls.csv
//	              GetUser at R calls/s over N connections until SIGTERM/SIGINT or -duration;
//	              one CSV line per call: start_unix_ms,latency_us,code,attempts,conn,local_port,pod_ip
//	              (conn: the connection's index; pod_ip: where kube-proxy sent that local port, read
//	              from the conntrack table, "" when unknown); a JSON summary on stdout
//	loadgen pages -addr A -size S               list every user page by page, each page on a new
//	              connection (kube-proxy picks a pod per connection); prints the page count
//
// Client policy: the service config below retries UNAVAILABLE up to 4 attempts with 50 ms..500 ms
// backoff (the seed's service config retries UNAVAILABLE); calls wait for a ready connection up to
// their 5 s deadline (WaitForReady) and reconnect after 100 ms..1 s (see dial). Without
// WaitForReady, a killed container cost 113 of 2663 calls (UNAVAILABLE after 4 attempts) in one
// run: a connection through the ClusterIP that lands on the dead pod fails fast until it
// reconnects elsewhere. A call counts as failed only when its last attempt fails; calls that
// needed more than one attempt are counted as retried.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	userv1 "github.com/example/user-platform/services/user-service/api/proto/user/v1"
)

// ServiceConfig is the client's gRPC service config: retries of UNAVAILABLE only.
const ServiceConfig = `{"methodConfig":[{"name":[{"service":"user.v1.UserService"}],
 "retryPolicy":{"maxAttempts":4,"initialBackoff":"0.05s","maxBackoff":"0.5s","backoffMultiplier":2,
 "retryableStatusCodes":["UNAVAILABLE"]}}]}`

type attemptsKey struct{}

// attemptCounter counts the attempts of each call (a stats.Begin per attempt).
type attemptCounter struct{}

func (attemptCounter) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (attemptCounter) HandleRPC(ctx context.Context, s stats.RPCStats) {
	if _, ok := s.(*stats.Begin); ok {
		if n, ok := ctx.Value(attemptsKey{}).(*atomic.Int32); ok {
			n.Add(1)
		}
	}
}
func (attemptCounter) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (attemptCounter) HandleConn(context.Context, stats.ConnStats) {}

// dial connects with the client policy of the suite: the retry policy above, calls that wait for
// a (re)connection up to their deadline instead of failing fast while the channel is in
// TRANSIENT_FAILURE (WaitForReady), and reconnects after 100 ms..1 s instead of grpc's 1 s..120 s.
func dial(addr string) (*grpc.ClientConn, error) {
	return grpc.NewClient("passthrough:///"+addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(ServiceConfig),
		grpc.WithDefaultCallOptions(grpc.WaitForReady(true)),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second},
			MinConnectTimeout: time.Second,
		}),
		grpc.WithStatsHandler(attemptCounter{}))
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: loadgen seed|load|pages -addr host:port ...")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	addr := fs.String("addr", "", "gRPC address of the Service (ClusterIP:port)")
	id := fs.String("id", "", "user id to read (load)")
	rate := fs.Int("rate", 250, "calls per second (load)")
	conns := fs.Int("conns", 8, "connections (load)")
	duration := fs.Duration("duration", 0, "stop after (load; 0: at SIGTERM)")
	out := fs.String("out", "calls.csv", "per-call CSV (load)")
	size := fs.Int("size", 5, "page size (pages)")
	_ = fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "seed":
		err = seed(*addr)
	case "load":
		err = load(*addr, *id, *rate, *conns, *duration, *out)
	case "pages":
		err = pages(*addr, int32(*size))
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func seed(addr string) error {
	conn, err := dial(addr)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := userv1.NewUserServiceClient(conn).CreateUser(ctx, &userv1.CreateUserRequest{
		Email: fmt.Sprintf("load-%d@e2e.example.com", time.Now().UnixNano()), Name: "Load Seed",
	})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	fmt.Println(resp.GetUser().GetId())
	return nil
}

type call struct {
	startMs   int64
	latencyUs int64
	code      codes.Code
	attempts  int32
	conn      int
	localPort int
}

// natTable maps the local port of a connection to the ClusterIP to the pod address kube-proxy
// chose for it (the reply source of its conntrack entry). It is read every 200 ms while the load
// runs; a port keeps the last pod seen for it.
type natTable struct {
	mu   sync.Mutex
	pods map[int]string
}

func (t *natTable) watch(ctx context.Context, addr string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return
	}
	orig := "dst=" + host + " "
	dport := "dport=" + port + " "
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile("/proc/net/nf_conntrack"); err == nil {
			t.mu.Lock()
			for _, line := range strings.Split(string(b), "\n") {
				if !strings.Contains(line, orig) || !strings.Contains(line, dport) {
					continue
				}
				f := strings.Fields(line)
				var sport, podIP string
				srcSeen := 0
				for _, kv := range f {
					k, v, ok := strings.Cut(kv, "=")
					if !ok {
						continue
					}
					switch {
					case k == "src":
						srcSeen++
						if srcSeen == 2 {
							podIP = v // reply direction: the pod after DNAT
						}
					case k == "sport" && sport == "":
						sport = v
					}
				}
				if n, err := strconv.Atoi(sport); err == nil && podIP != "" {
					t.pods[n] = podIP
				}
			}
			t.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (t *natTable) pod(port int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pods[port]
}

func load(addr, id string, rate, nconns int, duration time.Duration, out string) error {
	if id == "" || rate <= 0 || nconns <= 0 {
		return errors.New("load needs -id, -rate > 0, -conns > 0")
	}
	clients := make([]userv1.UserServiceClient, nconns)
	for i := range clients {
		conn, err := dial(addr)
		if err != nil {
			return err
		}
		defer func() { _ = conn.Close() }()
		clients[i] = userv1.NewUserServiceClient(conn)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, duration)
		defer cancel()
	}
	var (
		mu    sync.Mutex
		calls []call
		wg    sync.WaitGroup
	)
	nat := &natTable{pods: map[int]string{}}
	natCtx, stopNat := context.WithCancel(context.Background())
	natDone := make(chan struct{})
	go func() { defer close(natDone); nat.watch(natCtx, addr) }()
	defer func() { stopNat(); <-natDone }()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			wg.Wait()
			return report(calls, nat, out)
		case <-tick.C:
		}
		ci := i % nconns
		c := clients[ci]
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := new(atomic.Int32)
			cctx, cancel := context.WithTimeout(context.WithValue(context.Background(), attemptsKey{}, n), 5*time.Second)
			defer cancel()
			start := time.Now()
			var p peer.Peer
			_, err := c.GetUser(cctx, &userv1.GetUserRequest{Id: id}, grpc.Peer(&p))
			r := call{startMs: start.UnixMilli(), latencyUs: time.Since(start).Microseconds(),
				code: status.Code(err), attempts: n.Load(), conn: ci}
			if a, ok := p.LocalAddr.(*net.TCPAddr); ok {
				r.localPort = a.Port
			}
			mu.Lock()
			calls = append(calls, r)
			mu.Unlock()
		}()
	}
}

func report(calls []call, nat *natTable, out string) error {
	sort.Slice(calls, func(i, j int) bool { return calls[i].startMs < calls[j].startMs })
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	failed, retried := 0, 0
	codesSeen := map[string]int{}
	for _, c := range calls {
		fmt.Fprintf(w, "%d,%d,%s,%d,%d,%d,%s\n", c.startMs, c.latencyUs, c.code, c.attempts,
			c.conn, c.localPort, nat.pod(c.localPort))
		if c.code != codes.OK {
			failed++
			codesSeen[c.code.String()]++
		}
		if c.attempts > 1 {
			retried++
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Printf(`{"calls":%d,"failed_calls":%d,"retried_calls":%d,"failed_codes":%q}`+"\n",
		len(calls), failed, retried, fmt.Sprint(codesSeen))
	return nil
}

// pages lists all users, one page per new connection, and checks that no user repeats.
func pages(addr string, size int32) error {
	seen := map[string]bool{}
	token := ""
	n := 0
	for {
		conn, err := dial(addr)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		stream, err := userv1.NewUserServiceClient(conn).ListUsers(ctx, &userv1.ListUsersRequest{PageSize: size, PageToken: token})
		if err != nil {
			cancel()
			_ = conn.Close()
			return fmt.Errorf("page %d: %w", n+1, err)
		}
		var md metadata.MD
		count := 0
		for {
			u, err := stream.Recv()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					cancel()
					_ = conn.Close()
					return fmt.Errorf("page %d (token %q): %w", n+1, token, err)
				}
				break
			}
			if seen[u.GetId()] {
				cancel()
				_ = conn.Close()
				return fmt.Errorf("page %d repeats user %s", n+1, u.GetId())
			}
			seen[u.GetId()] = true
			count++
		}
		md, _ = stream.Header()
		cancel()
		_ = conn.Close()
		n++
		next := md.Get("next-page-token")
		if len(next) == 0 || next[0] == "" {
			break
		}
		token = next[0]
	}
	fmt.Printf(`{"pages":%d,"users":%d}`+"\n", n, len(seen))
	return nil
}
