CREATE TABLE IF NOT EXISTS users (
    id         uuid        PRIMARY KEY,
    name       text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    email      text        NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email)
);

-- Keyset pagination: ORDER BY created_at, id.
CREATE INDEX IF NOT EXISTS users_created_at_id_idx ON users (created_at, id);
