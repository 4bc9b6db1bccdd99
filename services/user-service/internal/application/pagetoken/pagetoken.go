// Package pagetoken turns keyset cursors into opaque, tamper-evident page
// tokens: base64url(version | created_at µs | uuid | HMAC-SHA256[:16]).
package pagetoken

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/example/user-platform/services/user-service/internal/domain"
)

const (
	version    = 1
	macLen     = 16
	payloadLen = 1 + 8 + 16
	tokenLen   = payloadLen + macLen
	// MaxEncodedLen bounds what Decode looks at.
	MaxEncodedLen = 64
)

// ErrInvalidToken is returned (wrapped) for any token that does not decode or verify.
var ErrInvalidToken = errors.New("invalid page token")

// Codec signs and verifies page tokens with one secret.
type Codec struct {
	key []byte
}

// New returns a Codec using secret. An empty secret draws a random one: tokens
// then only verify on this process, so set PAGE_TOKEN_SECRET when running
// more than one replica.
func New(secret []byte) (*Codec, error) {
	if len(secret) == 0 {
		secret = make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, fmt.Errorf("page token secret: %w", err)
		}
	}
	key := make([]byte, len(secret))
	copy(key, secret)
	return &Codec{key: key}, nil
}

// Encode returns the token of cursor c.
func (c *Codec) Encode(cur domain.Cursor) (string, error) {
	id, err := uuid.Parse(cur.ID)
	if err != nil {
		return "", fmt.Errorf("encode page token: cursor id: %w", err)
	}
	buf := make([]byte, payloadLen, tokenLen)
	buf[0] = version
	binary.BigEndian.PutUint64(buf[1:9], uint64(cur.CreatedAt.UnixMicro())) //nolint:gosec // round-trips through int64 in Decode
	copy(buf[9:25], id[:])
	buf = append(buf, c.mac(buf)...)
	return base64.RawURLEncoding.EncodeToString(buf), nil
}

// Decode verifies token and returns its cursor. Any failure wraps ErrInvalidToken.
func (c *Codec) Decode(token string) (domain.Cursor, error) {
	if len(token) > MaxEncodedLen {
		return domain.Cursor{}, fmt.Errorf("%w: too long", ErrInvalidToken)
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	// The decoder skips \r and \n and ignores unused trailing bits: accept only
	// the canonical spelling, so that a token has exactly one form.
	if err != nil || base64.RawURLEncoding.EncodeToString(raw) != token {
		return domain.Cursor{}, fmt.Errorf("%w: not canonical base64url", ErrInvalidToken)
	}
	if len(raw) != tokenLen {
		return domain.Cursor{}, fmt.Errorf("%w: bad length", ErrInvalidToken)
	}
	payload, sum := raw[:payloadLen], raw[payloadLen:]
	if !hmac.Equal(sum, c.mac(payload)) {
		return domain.Cursor{}, fmt.Errorf("%w: signature mismatch", ErrInvalidToken)
	}
	if payload[0] != version {
		return domain.Cursor{}, fmt.Errorf("%w: unknown version %d", ErrInvalidToken, payload[0])
	}
	micros := int64(binary.BigEndian.Uint64(payload[1:9])) //nolint:gosec // written from an int64 by Encode
	id, err := uuid.FromBytes(payload[9:25])
	if err != nil {
		return domain.Cursor{}, fmt.Errorf("%w: id", ErrInvalidToken)
	}
	return domain.Cursor{CreatedAt: time.UnixMicro(micros).UTC(), ID: id.String()}, nil
}

func (c *Codec) mac(payload []byte) []byte {
	h := hmac.New(sha256.New, c.key)
	h.Write(payload)
	return h.Sum(nil)[:macLen]
}
