package application_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/example/user-platform/services/user-service/internal/application"
	"github.com/example/user-platform/services/user-service/internal/domain"
)

func TestValidateCreateUser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, inName, inEmail string
		wantName, wantEmail   string
		wantFields            []string
	}{
		{name: "ok", inName: "Ada Lovelace", inEmail: "ada@example.com", wantName: "Ada Lovelace", wantEmail: "ada@example.com"},
		{name: "normalises", inName: "  Ada  ", inEmail: "  Ada@Example.COM ", wantName: "Ada", wantEmail: "ada@example.com"},
		{name: "unicode name", inName: "Zoë Ørsted", inEmail: "z@example.org", wantName: "Zoë Ørsted", wantEmail: "z@example.org"},
		{name: "name max", inName: strings.Repeat("é", 100), inEmail: "a@b.co", wantName: strings.Repeat("é", 100), wantEmail: "a@b.co"},
		{name: "empty both", inName: " ", inEmail: "", wantFields: []string{"name", "email"}},
		{name: "name too long", inName: strings.Repeat("a", 101), inEmail: "a@b.co", wantFields: []string{"name"}},
		{name: "name control char", inName: "a\x00b", inEmail: "a@b.co", wantFields: []string{"name"}},
		{name: "name invalid utf8", inName: "a\xffb", inEmail: "a@b.co", wantFields: []string{"name"}},
		{name: "email no at", inName: "a", inEmail: "example.com", wantFields: []string{"email"}},
		{name: "email display name", inName: "a", inEmail: "Ada <ada@example.com>", wantFields: []string{"email"}},
		{name: "email no tld dot", inName: "a", inEmail: "ada@localhost", wantFields: []string{"email"}},
		{name: "email trailing dot", inName: "a", inEmail: "ada@example.com.", wantFields: []string{"email"}},
		{name: "email two ats", inName: "a", inEmail: "a@b@example.com", wantFields: []string{"email"}},
		{name: "email too long", inName: "a", inEmail: strings.Repeat("a", 250) + "@b.co", wantFields: []string{"email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gotName, gotEmail, err := application.ValidateCreateUser(tt.inName, tt.inEmail)
			if len(tt.wantFields) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if gotName != tt.wantName || gotEmail != tt.wantEmail {
					t.Fatalf("got (%q, %q), want (%q, %q)", gotName, gotEmail, tt.wantName, tt.wantEmail)
				}
				return
			}
			var ve *domain.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("want ValidationError, got %v", err)
			}
			var fields []string
			for _, v := range ve.Violations {
				fields = append(fields, v.Field)
				if v.Description == "" {
					t.Errorf("field %s has no description", v.Field)
				}
			}
			if strings.Join(fields, ",") != strings.Join(tt.wantFields, ",") {
				t.Fatalf("fields = %v, want %v", fields, tt.wantFields)
			}
		})
	}
}

func TestValidateUserID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f", "0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f", true},
		{"0190F3C4-5B6A-7C8D-9E0F-1A2B3C4D5E6F", "0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f", true},
		{"", "", false},
		{"42", "", false},
		{"not-a-uuid-at-all-not-a-uuid-at-all!", "", false},
		{strings.Repeat("a", 1000), "", false},
		{"'; DROP TABLE users; --", "", false},
	}
	for _, tt := range tests {
		got, err := application.ValidateUserID(tt.in)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("ValidateUserID(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("ValidateUserID(%q): error %v is not ErrInvalid", tt.in, err)
		}
	}
}

func TestNormalizePageSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   int32
		want int
		ok   bool
	}{
		{0, application.DefaultPageSize, true},
		{1, 1, true},
		{application.MaxPageSize, application.MaxPageSize, true},
		{application.MaxPageSize + 1, application.MaxPageSize, true},
		{1 << 30, application.MaxPageSize, true},
		{-1, 0, false},
	}
	for _, tt := range tests {
		got, err := application.NormalizePageSize(tt.in)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("NormalizePageSize(%d) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
