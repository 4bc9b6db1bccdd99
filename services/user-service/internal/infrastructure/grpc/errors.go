package grpc

import (
	"context"
	"errors"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/example/user-platform/services/user-service/internal/domain"
)

// ToStatus maps an application error to a gRPC status. Client errors carry a
// message naming the field and, for InvalidArgument, a BadRequest detail with
// one FieldViolation per invalid field. Unknown errors become Internal with a
// generic message: their text may hold infrastructure details.
func ToStatus(err error) *status.Status {
	if err == nil {
		return status.New(codes.OK, "")
	}
	if s, ok := status.FromError(err); ok && s.Code() != codes.Unknown {
		return s
	}
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &ve):
		return invalidArgument(ve)
	case errors.Is(err, domain.ErrNotFound):
		return status.New(codes.NotFound, "user not found")
	case errors.Is(err, domain.ErrAlreadyExists):
		return status.New(codes.AlreadyExists, "email: a user with this email already exists")
	case errors.Is(err, domain.ErrUnavailable):
		return status.New(codes.Unavailable, "service temporarily unavailable, retry later")
	case errors.Is(err, context.DeadlineExceeded):
		return status.New(codes.DeadlineExceeded, "deadline exceeded")
	case errors.Is(err, context.Canceled):
		return status.New(codes.Canceled, "request canceled")
	default:
		return status.New(codes.Internal, "internal error")
	}
}

func invalidArgument(ve *domain.ValidationError) *status.Status {
	st := status.New(codes.InvalidArgument, ve.Error())
	br := &errdetails.BadRequest{}
	for _, v := range ve.Violations {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
			Field:       v.Field,
			Description: v.Description,
		})
	}
	if withDetails, err := st.WithDetails(br); err == nil {
		return withDetails
	}
	return st
}
