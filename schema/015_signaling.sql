-- Signaling invitations (docs/protocol.md "Signaling"): chatd owns their state, so a timeout
-- fires at its deadline even when nobody is connected, and survives a restart.
CREATE TABLE signal_invites (
    invite_id   text        PRIMARY KEY,
    inviter     text        NOT NULL,
    group_id    text,                    -- NULL: one-to-one
    data        text        NOT NULL DEFAULT '',
    timeout_s   integer     NOT NULL,    -- 0: never times out
    online_only boolean     NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signal_invites_created ON signal_invites (created_at);

-- One row per invitee: 0 waiting, 1 accepted, 2 rejected, 3 cancelled, 4 timed out.
CREATE TABLE signal_invitees (
    invite_id text        NOT NULL REFERENCES signal_invites (invite_id) ON DELETE CASCADE,
    invitee   text        NOT NULL,
    state     smallint    NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 4),
    deadline  timestamptz,                  -- NULL: no timeout
    PRIMARY KEY (invite_id, invitee)
);
-- The timeout sweep reads only the waiting invitations that have a deadline.
CREATE INDEX signal_invitees_due ON signal_invitees (deadline) WHERE state = 0;
