package app_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	userv1 "github.com/example/user-platform/services/user-service/api/proto/user/v1"
	"github.com/example/user-platform/services/user-service/internal/app"
	"github.com/example/user-platform/services/user-service/internal/infrastructure/cache"
	"github.com/example/user-platform/services/user-service/internal/testutil"
)

func TestGRPCEndToEnd(t *testing.T) {
	dsn := testutil.NewDatabase(t, "TEST_DATABASE_URL")
	redisAddr := testutil.Env(t, "TEST_REDIS_ADDR")
	r := start(t, app.Options{Config: testConfig(dsn, redisAddr)})
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer func() { _ = rdb.Close() }()

	t.Run("health names", func(t *testing.T) {
		for _, svc := range []string{"", "user.v1.UserService", "liveness"} {
			if got := r.status(t, svc); got != healthpb.HealthCheckResponse_SERVING {
				t.Errorf("health %q = %v, want SERVING", svc, got)
			}
		}
	})

	t.Run("reflection", func(t *testing.T) {
		stream, err := reflectionpb.NewServerReflectionClient(r.conn).ServerReflectionInfo(ctxT(t, 5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
			t.Fatal(err)
		}
		resp, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range resp.GetListServicesResponse().GetService() {
			names = append(names, s.GetName())
		}
		if !strings.Contains(strings.Join(names, ","), "user.v1.UserService") {
			t.Fatalf("reflection lists %v", names)
		}
		_ = stream.CloseSend()
	})

	var created *userv1.User
	t.Run("create", func(t *testing.T) {
		resp, err := r.users.CreateUser(ctxT(t, 5*time.Second), &userv1.CreateUserRequest{Name: " Ada Lovelace ", Email: " Ada@Example.COM "})
		if err != nil {
			t.Fatal(err)
		}
		created = resp.GetUser()
		if created.GetName() != "Ada Lovelace" || created.GetEmail() != "ada@example.com" || len(created.GetId()) != 36 || created.GetCreatedAt() == 0 {
			t.Fatalf("unexpected user %v", created)
		}
	})
	if created == nil {
		t.FailNow()
	}

	t.Run("create duplicate email", func(t *testing.T) {
		_, err := r.users.CreateUser(ctxT(t, 5*time.Second), &userv1.CreateUserRequest{Name: "Other", Email: "ADA@example.com"})
		if status.Code(err) != codes.AlreadyExists {
			t.Fatalf("code = %v (%v), want AlreadyExists", status.Code(err), err)
		}
	})

	t.Run("create invalid", func(t *testing.T) {
		_, err := r.users.CreateUser(ctxT(t, 5*time.Second), &userv1.CreateUserRequest{Name: "", Email: "nope"})
		st := status.Convert(err)
		if st.Code() != codes.InvalidArgument {
			t.Fatalf("code = %v, want InvalidArgument", st.Code())
		}
		var fields []string
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, v := range br.GetFieldViolations() {
					fields = append(fields, v.GetField())
				}
			}
		}
		if fmt.Sprint(fields) != "[name email]" {
			t.Fatalf("field violations %v, message %q", fields, st.Message())
		}
	})

	t.Run("get and cache-aside in redis", func(t *testing.T) {
		key := cache.Key(created.GetId())
		if n, _ := rdb.Exists(ctxT(t, time.Second), key).Result(); n != 0 {
			t.Fatalf("key %s cached before any read", key)
		}
		resp, err := r.users.GetUser(ctxT(t, 5*time.Second), &userv1.GetUserRequest{Id: created.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetUser().GetEmail() != "ada@example.com" || resp.GetUser().GetCreatedAt() != created.GetCreatedAt() {
			t.Fatalf("got %v, want %v", resp.GetUser(), created)
		}
		ttl, err := rdb.TTL(ctxT(t, time.Second), key).Result()
		if err != nil || ttl <= 0 || ttl > time.Minute {
			t.Fatalf("cache key TTL = %v, %v; want (0, 1m]", ttl, err)
		}
		// Change the cached copy only: the next read must come from Redis.
		raw, err := rdb.Get(ctxT(t, time.Second), key).Bytes()
		if err != nil {
			t.Fatal(err)
		}
		var entry map[string]any
		if err := json.Unmarshal(raw, &entry); err != nil {
			t.Fatal(err)
		}
		entry["name"] = "From Cache"
		raw, _ = json.Marshal(entry)
		if err := rdb.Set(ctxT(t, time.Second), key, raw, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		resp, err = r.users.GetUser(ctxT(t, 5*time.Second), &userv1.GetUserRequest{Id: created.GetId()})
		if err != nil || resp.GetUser().GetName() != "From Cache" {
			t.Fatalf("second read = %v, %v; want the cached copy", resp.GetUser(), err)
		}
		_ = rdb.Del(ctxT(t, time.Second), key)
	})

	t.Run("get not found and invalid", func(t *testing.T) {
		_, err := r.users.GetUser(ctxT(t, 5*time.Second), &userv1.GetUserRequest{Id: "0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f"})
		if status.Code(err) != codes.NotFound {
			t.Fatalf("unknown id: %v", err)
		}
		_, err = r.users.GetUser(ctxT(t, 5*time.Second), &userv1.GetUserRequest{Id: "42"})
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), "id") {
			t.Fatalf("bad id: %v", err)
		}
	})

	t.Run("list pages", func(t *testing.T) {
		for i := range 6 {
			if _, err := r.users.CreateUser(ctxT(t, 5*time.Second), &userv1.CreateUserRequest{Name: fmt.Sprintf("u%d", i), Email: fmt.Sprintf("u%d@example.com", i)}); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[string]bool{}
		token, pages := "", 0
		for {
			users, next := listPage(t, r.users, 3, token)
			pages++
			for _, u := range users {
				if seen[u.GetId()] {
					t.Fatalf("user %s on two pages", u.GetId())
				}
				seen[u.GetId()] = true
			}
			if next == "" {
				break
			}
			if pages > 5 {
				t.Fatal("too many pages")
			}
			token = next
		}
		if len(seen) != 7 || pages != 3 {
			t.Fatalf("saw %d users on %d pages, want 7 on 3", len(seen), pages)
		}
		// Default and maximum page sizes.
		if users, next := listPage(t, r.users, 0, ""); len(users) != 7 || next != "" {
			t.Fatalf("default page: %d users, next %q", len(users), next)
		}
		if users, _ := listPage(t, r.users, 1_000_000, ""); len(users) != 7 {
			t.Fatalf("huge page_size: %d users", len(users))
		}
	})

	t.Run("list tampered token", func(t *testing.T) {
		_, next := listPage(t, r.users, 2, "")
		tampered := []byte(next)
		tampered[5] ^= 0x01
		for _, tok := range []string{string(tampered), "garbage", next + "x"} {
			stream, err := r.users.ListUsers(ctxT(t, 5*time.Second), &userv1.ListUsersRequest{PageSize: 2, PageToken: tok})
			if err == nil {
				_, err = stream.Recv()
			}
			if status.Code(err) != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), "page_token") {
				t.Fatalf("token %q: %v", tok, err)
			}
		}
		stream, err := r.users.ListUsers(ctxT(t, 5*time.Second), &userv1.ListUsersRequest{PageSize: -1})
		if err == nil {
			_, err = stream.Recv()
		}
		if status.Code(err) != codes.InvalidArgument {
			t.Fatalf("negative page size: %v", err)
		}
	})

	t.Run("rest", func(t *testing.T) { testREST(t, "http://"+r.app.HTTPAddr()) })
}

func listPage(t *testing.T, c userv1.UserServiceClient, size int32, token string) ([]*userv1.User, string) {
	t.Helper()
	stream, err := c.ListUsers(ctxT(t, 5*time.Second), &userv1.ListUsersRequest{PageSize: size, PageToken: token})
	if err != nil {
		t.Fatal(err)
	}
	var users []*userv1.User
	for {
		u, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	md, err := stream.Header()
	if err != nil {
		t.Fatal(err)
	}
	return users, first(md, "next-page-token")
}

func first(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

var _ grpc.ClientConnInterface = (*grpc.ClientConn)(nil)

func testREST(t *testing.T, base string) {
	client := &http.Client{Timeout: 5 * time.Second}
	do := func(method, path, body string) (int, http.Header, []byte) {
		t.Helper()
		return testutil.HTTPDo(t, client, method, base+path, body)
	}

	for _, p := range []string{"/healthz", "/readyz"} {
		if code, _, b := do(http.MethodGet, p, ""); code != http.StatusOK || !bytes.Contains(b, []byte("SERVING")) {
			t.Errorf("GET %s = %d %s", p, code, b)
		}
	}

	code, hdr, b := do(http.MethodPost, "/v1/users", `{"name":"Grace Hopper","email":"Grace@Example.com"}`)
	if code != http.StatusCreated {
		t.Fatalf("POST /v1/users = %d %s, want 201", code, b)
	}
	var created struct {
		User struct {
			ID        string `json:"id"`
			Name      string `json:"name"`
			Email     string `json:"email"`
			CreatedAt string `json:"createdAt"` // int64 is a JSON string in proto3 JSON
		} `json:"user"`
	}
	if err := json.Unmarshal(b, &created); err != nil || created.User.ID == "" || created.User.Email != "grace@example.com" || created.User.CreatedAt == "" {
		t.Fatalf("POST body %s (%v)", b, err)
	}
	if loc := hdr.Get("Location"); loc != "/v1/users/"+created.User.ID {
		t.Errorf("Location = %q, want /v1/users/%s", loc, created.User.ID)
	}
	if code, _, b := do(http.MethodGet, hdr.Get("Location"), ""); code != http.StatusOK || !bytes.Contains(b, []byte(created.User.ID)) {
		t.Errorf("GET Location = %d %s", code, b)
	}

	if code, _, b := do(http.MethodPost, "/v1/users", `{"name":"G","email":"grace@example.com"}`); code != http.StatusConflict {
		t.Errorf("duplicate POST = %d %s, want 409", code, b)
	}
	if code, _, b := do(http.MethodPost, "/v1/users", `{"name":"","email":"x"}`); code != http.StatusBadRequest || !bytes.Contains(b, []byte("fieldViolations")) {
		t.Errorf("invalid POST = %d %s, want 400 with fieldViolations", code, b)
	}
	if code, _, b := do(http.MethodGet, "/v1/users/"+created.User.ID, ""); code != http.StatusOK || !bytes.Contains(b, []byte(created.User.ID)) {
		t.Errorf("GET user = %d %s", code, b)
	}
	if code, _, b := do(http.MethodGet, "/v1/users/0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f", ""); code != http.StatusNotFound {
		t.Errorf("GET unknown = %d %s, want 404", code, b)
	}
	if code, _, b := do(http.MethodGet, "/v1/users/not-a-uuid", ""); code != http.StatusBadRequest {
		t.Errorf("GET bad id = %d %s, want 400", code, b)
	}

	code, hdr, b = do(http.MethodGet, "/v1/users?page_size=2", "")
	if code != http.StatusOK {
		t.Fatalf("GET /v1/users = %d %s", code, b)
	}
	next := hdr.Get("Grpc-Metadata-Next-Page-Token")
	lines := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var msg struct {
			Result *struct {
				ID string `json:"id"`
			} `json:"result"`
		}
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil || msg.Result == nil || msg.Result.ID == "" {
			t.Fatalf("stream line %q (%v)", sc.Text(), err)
		}
		lines++
	}
	if lines != 2 || next == "" {
		t.Fatalf("list: %d lines, next token %q", lines, next)
	}
	if code, _, b := do(http.MethodGet, "/v1/users?page_size=2&page_token="+next, ""); code != http.StatusOK || !bytes.Contains(b, []byte(`"result"`)) {
		t.Fatalf("second page = %d %s", code, b)
	}
	code, _, b = do(http.MethodGet, "/v1/users?page_token=AAAA"+next[4:], "")
	if code != http.StatusBadRequest || !bytes.Contains(b, []byte("page_token")) {
		t.Fatalf("tampered token over REST = %d %s", code, b)
	}
	testRESTConventions(t, base, created.User.ID)
}

// testRESTConventions checks status codes, headers and the one error shape
// of the real gateway in front of the real service.
func testRESTConventions(t *testing.T, base, id string) {
	client := &http.Client{Timeout: 10 * time.Second}
	tests := []struct {
		name         string
		method, path string
		contentType  string
		body         io.Reader
		wantCode     int
		wantAllow    string
		wantGRPCCode codes.Code
		wantMessage  string
	}{
		{"PUT collection", http.MethodPut, "/v1/users", "application/json", strings.NewReader(`{}`), http.StatusMethodNotAllowed, "GET, POST", codes.Unimplemented, "not allowed"},
		{"DELETE collection", http.MethodDelete, "/v1/users", "", nil, http.StatusMethodNotAllowed, "GET, POST", codes.Unimplemented, "not allowed"},
		{"PATCH collection", http.MethodPatch, "/v1/users", "application/json", strings.NewReader(`{}`), http.StatusMethodNotAllowed, "GET, POST", codes.Unimplemented, "not allowed"},
		{"PUT item", http.MethodPut, "/v1/users/" + id, "application/json", strings.NewReader(`{}`), http.StatusMethodNotAllowed, "GET", codes.Unimplemented, "not allowed"},
		{"DELETE item", http.MethodDelete, "/v1/users/" + id, "", nil, http.StatusMethodNotAllowed, "GET", codes.Unimplemented, "not allowed"},
		{"PATCH item", http.MethodPatch, "/v1/users/" + id, "application/json", strings.NewReader(`{}`), http.StatusMethodNotAllowed, "GET", codes.Unimplemented, "not allowed"},
		{"POST text/plain", http.MethodPost, "/v1/users", "text/plain", strings.NewReader(`{"name":"T","email":"t@example.com"}`), http.StatusUnsupportedMediaType, "", codes.InvalidArgument, "application/json"},
		{"POST body over 1 MiB (Content-Length)", http.MethodPost, "/v1/users", "application/json", bytes.NewReader(make([]byte, 2<<20)), http.StatusRequestEntityTooLarge, "", codes.InvalidArgument, "request body larger than 1048576 bytes"},
		{"POST body over 1 MiB (chunked)", http.MethodPost, "/v1/users", "application/json", io.MultiReader(strings.NewReader(`{"name":"Big","email":"big@example.com"}`), bytes.NewReader(bytes.Repeat([]byte(" "), 2<<20))), http.StatusRequestEntityTooLarge, "", codes.InvalidArgument, "request body larger than 1048576 bytes"},
		{"ListUsers bad token", http.MethodGet, "/v1/users?page_token=garbage", "", nil, http.StatusBadRequest, "", codes.InvalidArgument, "page_token"},
		{"ListUsers negative page size", http.MethodGet, "/v1/users?page_size=-1", "", nil, http.StatusBadRequest, "", codes.InvalidArgument, "page_size"},
		{"GetUser not found", http.MethodGet, "/v1/users/0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f", "", nil, http.StatusNotFound, "", codes.NotFound, "not found"},
		{"CreateUser duplicate", http.MethodPost, "/v1/users", "application/json", strings.NewReader(`{"name":"G","email":"grace@example.com"}`), http.StatusConflict, "", codes.AlreadyExists, "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(ctxT(t, 10*time.Second), tt.method, base+tt.path, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = resp.Body.Close() }()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantCode || resp.Header.Get("Allow") != tt.wantAllow {
				t.Fatalf("%s %s = %d (Allow %q) %s, want %d (Allow %q)", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Allow"), b, tt.wantCode, tt.wantAllow)
			}
			// Exactly one google.rpc.Status object, as for every gateway error.
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			var st struct {
				Code    *int              `json:"code"`
				Message string            `json:"message"`
				Details []json.RawMessage `json:"details"`
			}
			if err := dec.Decode(&st); err != nil || st.Code == nil || dec.More() || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("body %q (%s) is not one {code,message,details} object: %v", b, resp.Header.Get("Content-Type"), err)
			}
			if codes.Code(*st.Code) != tt.wantGRPCCode || !strings.Contains(st.Message, tt.wantMessage) {
				t.Fatalf("error %d %q, want code %d mentioning %q", *st.Code, st.Message, tt.wantGRPCCode, tt.wantMessage)
			}
		})
	}
}
