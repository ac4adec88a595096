-- Accounts and their profiles. Later tables that belong to a user reference accounts(user_id)
-- with ON DELETE CASCADE, so deleting an account removes what is the user's alone.

CREATE TABLE accounts (
    user_id    text PRIMARY KEY CHECK (octet_length(user_id) BETWEEN 1 AND 32),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per profile tag (Tag_Profile_IM_* and Tag_Profile_Custom_*). The value keeps its JSON
-- type: strings as JSON strings, integer tags as JSON numbers.
CREATE TABLE profiles (
    user_id text NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    tag     text NOT NULL,
    value   jsonb NOT NULL,
    PRIMARY KEY (user_id, tag)
);
