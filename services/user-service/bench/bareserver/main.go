// Command bareserver is the benchmark ceiling: a plain grpc-go server with the
// same UserService API (GetUser, CreateUser, ListUsers) that answers from
// memory, with no interceptors, no stats handler, no cache and no database.
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	userv1 "github.com/example/user-platform/services/user-service/api/proto/user/v1"
)

type server struct {
	userv1.UnimplementedUserServiceServer
	user *userv1.User
}

func (s *server) GetUser(_ context.Context, req *userv1.GetUserRequest) (*userv1.GetUserResponse, error) {
	return &userv1.GetUserResponse{User: &userv1.User{
		Id: req.GetId(), Name: s.user.GetName(), Email: s.user.GetEmail(), CreatedAt: s.user.GetCreatedAt(),
	}}, nil
}

func (s *server) CreateUser(_ context.Context, req *userv1.CreateUserRequest) (*userv1.CreateUserResponse, error) {
	return &userv1.CreateUserResponse{User: &userv1.User{Id: s.user.GetId(), Name: req.GetName(), Email: req.GetEmail(), CreatedAt: time.Now().Unix()}}, nil
}

// ListUsers streams page_size (default 50) copies of the user, as the service
// streams one page.
func (s *server) ListUsers(req *userv1.ListUsersRequest, stream grpc.ServerStreamingServer[userv1.User]) error {
	n := int(req.GetPageSize())
	if n <= 0 {
		n = 50
	}
	for range min(n, 1000) {
		if err := stream.Send(s.user); err != nil {
			return err //nolint:wrapcheck // the benchmark ceiling: the transport error as is
		}
	}
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:50061", "listen address")
	flag.Parse()
	var lc net.ListenConfig
	lis, err := lc.Listen(context.Background(), "tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	s := grpc.NewServer()
	userv1.RegisterUserServiceServer(s, &server{user: &userv1.User{
		Id: "0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f", Name: "Bench User", Email: "bench@example.com", CreatedAt: time.Now().Unix(),
	}})
	h := health.NewServer()
	h.SetServingStatus("user.v1.UserService", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(s, h)
	go func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
		<-ch
		s.GracefulStop()
	}()
	if err := s.Serve(lis); err != nil {
		log.Fatal(err)
	}
}
