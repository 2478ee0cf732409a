-- meterhub store schema 3: tokens of the HTTP API.
--
-- Only a digest (SHA-256) of each token's text is kept. IF NOT EXISTS:
-- earlier builds of the API created this same table on their own.

CREATE TABLE IF NOT EXISTS api_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role INTEGER NOT NULL,              -- enum api_role
    hash BLOB NOT NULL UNIQUE,          -- SHA-256 of the token text
    created_ms INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0  -- 1: refused
);
