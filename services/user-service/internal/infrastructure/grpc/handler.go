// Package grpc is the gRPC transport: the UserService handler, error mapping,
// interceptors, health and the server options.
package grpc

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	userv1 "github.com/example/user-platform/services/user-service/api/proto/user/v1"
	"github.com/example/user-platform/services/user-service/internal/domain"
)

// NextPageTokenHeader is the response header metadata key of ListUsers that
// carries the token of the next page (empty on the last page).
const NextPageTokenHeader = "next-page-token"

// UserHandler adapts domain.UserService to the generated gRPC interface.
type UserHandler struct {
	userv1.UnimplementedUserServiceServer
	svc domain.UserService
}

// NewUserHandler returns the handler.
func NewUserHandler(svc domain.UserService) *UserHandler { return &UserHandler{svc: svc} }

// GetUser implements userv1.UserServiceServer.
func (h *UserHandler) GetUser(ctx context.Context, req *userv1.GetUserRequest) (*userv1.GetUserResponse, error) {
	u, err := h.svc.GetUser(ctx, req.GetId())
	if err != nil {
		return nil, ToStatus(err).Err()
	}
	return &userv1.GetUserResponse{User: toProto(u)}, nil
}

// CreateUser implements userv1.UserServiceServer.
func (h *UserHandler) CreateUser(ctx context.Context, req *userv1.CreateUserRequest) (*userv1.CreateUserResponse, error) {
	u, err := h.svc.CreateUser(ctx, req.GetName(), req.GetEmail())
	if err != nil {
		return nil, ToStatus(err).Err()
	}
	return &userv1.CreateUserResponse{User: toProto(u)}, nil
}

// ListUsers implements userv1.UserServiceServer: it sends the next page token
// as header metadata, then streams the users of the page.
func (h *UserHandler) ListUsers(req *userv1.ListUsersRequest, stream grpc.ServerStreamingServer[userv1.User]) error {
	ctx := stream.Context()
	users, next, err := h.svc.ListUsers(ctx, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return ToStatus(err).Err()
	}
	if err := stream.SendHeader(metadata.Pairs(NextPageTokenHeader, next)); err != nil {
		return ToStatus(err).Err()
	}
	for _, u := range users {
		if err := stream.Send(toProto(u)); err != nil {
			return ToStatus(err).Err()
		}
	}
	return nil
}

func toProto(u *domain.User) *userv1.User {
	return &userv1.User{
		Id:        u.ID,
		Name:      u.Name,
		Email:     u.Email,
		CreatedAt: u.CreatedAt.Unix(),
	}
}
