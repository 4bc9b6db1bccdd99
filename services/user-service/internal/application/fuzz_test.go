package application_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/example/user-platform/services/user-service/internal/application"
	"github.com/example/user-platform/services/user-service/internal/domain"
)

// FuzzValidateCreateUser checks the invariants of request validation: it never
// panics, errors are ValidationErrors, and accepted values are normalised and
// within bounds (normalising twice changes nothing).
func FuzzValidateCreateUser(f *testing.F) {
	for _, s := range [][2]string{
		{"Ada", "ada@example.com"}, {"", ""}, {" x ", " X@Y.Z "}, {"a\x00", "a@b"},
		{strings.Repeat("n", 101), "x@" + strings.Repeat("d", 260) + ".com"}, {"Zoë", "\"q uoted\"@example.com"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, name, email string) {
		n, e, err := application.ValidateCreateUser(name, email)
		if err != nil {
			var ve *domain.ValidationError
			if !errors.As(err, &ve) || len(ve.Violations) == 0 {
				t.Fatalf("error is not a ValidationError with violations: %v", err)
			}
			return
		}
		if n == "" || utf8.RuneCountInString(n) > application.MaxNameLen || !utf8.ValidString(n) {
			t.Fatalf("accepted bad name %q", n)
		}
		if e == "" || len(e) > application.MaxEmailLen || e != strings.ToLower(e) || !strings.Contains(e, "@") {
			t.Fatalf("accepted bad email %q", e)
		}
		n2, e2, err := application.ValidateCreateUser(n, e)
		if err != nil || n2 != n || e2 != e {
			t.Fatalf("not idempotent: (%q,%q) -> (%q,%q,%v)", n, e, n2, e2, err)
		}
	})
}

// FuzzValidateUserID checks that accepted ids are canonical UUIDs.
func FuzzValidateUserID(f *testing.F) {
	f.Add("0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f")
	f.Add("{0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f}")
	f.Add("urn:uuid:0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f")
	f.Add("")
	f.Fuzz(func(t *testing.T, id string) {
		got, err := application.ValidateUserID(id)
		if err != nil {
			if !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("error is not ErrInvalid: %v", err)
			}
			return
		}
		if len(got) != 36 || got != strings.ToLower(got) {
			t.Fatalf("accepted %q as non-canonical %q", id, got)
		}
		if again, err := application.ValidateUserID(got); err != nil || again != got {
			t.Fatalf("canonical form %q does not validate: %v", got, err)
		}
	})
}
