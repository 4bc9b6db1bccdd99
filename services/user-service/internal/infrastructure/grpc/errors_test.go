package grpc_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sony/gobreaker/v2"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/example/user-platform/services/user-service/internal/domain"
	grpcx "github.com/example/user-platform/services/user-service/internal/infrastructure/grpc"
)

func TestToStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		err     error
		code    codes.Code
		fields  []string
		noLeaks string // text that must not appear in the message
	}{
		{"nil", nil, codes.OK, nil, ""},
		{"validation", fmt.Errorf("create: %w", &domain.ValidationError{Violations: []domain.FieldViolation{
			{Field: "name", Description: "must not be empty"}, {Field: "email", Description: "bad"},
		}}), codes.InvalidArgument, []string{"name", "email"}, ""},
		{"joined validation", errors.Join(domain.Invalid("page_token", "tampered"), errors.New("sig")), codes.InvalidArgument, []string{"page_token"}, ""},
		{"not found", fmt.Errorf("get: %w", domain.ErrNotFound), codes.NotFound, nil, ""},
		{"exists", fmt.Errorf("insert: %w", domain.ErrAlreadyExists), codes.AlreadyExists, nil, ""},
		{"unavailable", fmt.Errorf("dial 10.0.0.7:5432: %w", domain.ErrUnavailable), codes.Unavailable, nil, "10.0.0.7"},
		{"breaker open", fmt.Errorf("breaker: %w: %w", domain.ErrUnavailable, gobreaker.ErrOpenState), codes.Unavailable, nil, ""},
		{"deadline", fmt.Errorf("q: %w", context.DeadlineExceeded), codes.DeadlineExceeded, nil, ""},
		{"canceled", context.Canceled, codes.Canceled, nil, ""},
		{"unknown", errors.New("pq: syntax error near password=hunter2"), codes.Internal, nil, "hunter2"},
		{"status passthrough", status.Error(codes.PermissionDenied, "no"), codes.PermissionDenied, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := grpcx.ToStatus(tt.err)
			if st.Code() != tt.code {
				t.Fatalf("code = %v, want %v (%v)", st.Code(), tt.code, st.Message())
			}
			if tt.noLeaks != "" && contains(st.Message(), tt.noLeaks) {
				t.Fatalf("message %q leaks %q", st.Message(), tt.noLeaks)
			}
			if tt.fields == nil {
				return
			}
			var got []string
			for _, d := range st.Details() {
				if br, ok := d.(*errdetails.BadRequest); ok {
					for _, v := range br.GetFieldViolations() {
						got = append(got, v.GetField())
					}
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.fields) {
				t.Fatalf("field violations = %v, want %v", got, tt.fields)
			}
			for _, f := range tt.fields {
				if !contains(st.Message(), f) {
					t.Fatalf("message %q does not name field %q", st.Message(), f)
				}
			}
		})
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
