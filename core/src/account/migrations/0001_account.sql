-- The account's own data on the phone: the server's profile as last seen, an edit not yet
-- sent (one row, fields merged), a deletion request waiting for the network, and the data
-- exports being downloaded or kept sealed until shared.
CREATE TABLE acct_profile (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    json TEXT NOT NULL
) STRICT;
CREATE TABLE acct_profile_edit (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    display_name TEXT,
    phone TEXT,
    job_title TEXT,
    generation INTEGER NOT NULL,
    edited_at_ms INTEGER NOT NULL
) STRICT;
-- Never the password: only that the user confirmed, and when.
CREATE TABLE acct_deletion_request (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    requested_at_ms INTEGER NOT NULL
) STRICT;
CREATE TABLE acct_exports (
    id TEXT PRIMARY KEY NOT NULL,
    bytes INTEGER,
    sha256 TEXT,
    created_at_ms INTEGER NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0
) STRICT;
