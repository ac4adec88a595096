-- UserIDs whose account was deleted. If the same UserID is imported again it is a new person:
-- at import, its view of every one-to-one conversation the old account had starts after the
-- conversation's last message, so the old history stays out of reach (the peer keeps it).
CREATE TABLE deleted_accounts (
    user_id    text   PRIMARY KEY,
    deleted_at bigint NOT NULL
);
