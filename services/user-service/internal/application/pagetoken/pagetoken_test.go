package pagetoken_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/example/user-platform/services/user-service/internal/application/pagetoken"
	"github.com/example/user-platform/services/user-service/internal/domain"
)

var cursor = domain.Cursor{
	CreatedAt: time.Date(2025, 6, 1, 12, 30, 45, 123456000, time.UTC),
	ID:        "0190f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f",
}

func codec(t testing.TB, secret string) *pagetoken.Codec {
	t.Helper()
	c, err := pagetoken.New([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	c := codec(t, "secret-one-0123456789")
	tok, err := c.Encode(cursor)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tok, cursor.ID) || len(tok) > pagetoken.MaxEncodedLen {
		t.Fatalf("token %q is not opaque or too long", tok)
	}
	got, err := c.Decode(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(cursor.CreatedAt) || got.ID != cursor.ID {
		t.Fatalf("round trip = %+v, want %+v", got, cursor)
	}
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	c := codec(t, "secret-one-0123456789")
	good, err := c.Encode(cursor)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x01
		return base64.RawURLEncoding.EncodeToString(b)
	}
	other, _ := codec(t, "secret-two-0123456789").Encode(cursor)
	tests := []struct{ name, token string }{
		{"empty", ""},
		{"not base64", "!!!!"},
		{"padded base64", base64.URLEncoding.EncodeToString(raw)},
		{"truncated", good[:len(good)-2]},
		{"extended", good + "AA"},
		{"too long", strings.Repeat("A", 200)},
		{"flipped version", flip(0)},
		{"flipped time", flip(3)},
		{"flipped id", flip(12)},
		{"flipped mac", flip(len(raw) - 1)},
		{"other secret", other},
		{"non-canonical last char", nonCanonical(good)},
		{"embedded newline", good[:20] + "\n" + good[20:]},
		{"embedded CR", good[:20] + "\r" + good[20:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := c.Decode(tt.token); !errors.Is(err, pagetoken.ErrInvalidToken) {
				t.Fatalf("Decode(%q) error = %v, want ErrInvalidToken", tt.token, err)
			}
		})
	}
}

// nonCanonical changes the unused low bits of the last base64 character: the
// bytes decode the same, but each token must have exactly one spelling.
func nonCanonical(tok string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, tok[len(tok)-1])
	return tok[:len(tok)-1] + string(alphabet[last^1])
}

func TestRandomSecretWhenEmpty(t *testing.T) {
	t.Parallel()
	a, b := codec(t, ""), codec(t, "")
	tok, err := a.Encode(cursor)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Decode(tok); err == nil {
		t.Fatal("two random secrets verified each other's tokens")
	}
}

func FuzzPageTokenDecode(f *testing.F) {
	c := codec(f, "fuzz-secret-0123456789")
	good, err := c.Encode(cursor)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add("")
	f.Add("AAAA")
	f.Add(good[:10])
	f.Fuzz(func(t *testing.T, token string) {
		cur, err := c.Decode(token)
		if err != nil {
			if !errors.Is(err, pagetoken.ErrInvalidToken) {
				t.Fatalf("error does not wrap ErrInvalidToken: %v", err)
			}
			return
		}
		// Only tokens we signed verify: re-encoding gives the same token.
		again, err := c.Encode(cur)
		if err != nil || again != token {
			t.Fatalf("accepted a token we did not sign: %q (re-encoded %q, %v)", token, again, err)
		}
	})
}
