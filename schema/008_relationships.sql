-- Relationship chains (v4/sns, the SDK's friendship manager). Every table is keyed by its owner
-- (user_id first): one row per direction, so a user's list is one index range and a page of it
-- costs O(page). Both ends reference accounts: deleting an account removes its lists and its
-- place in everyone else's.

-- B in A's friend list: (user_id A, peer B). A two-way friendship is two rows.
CREATE TABLE friends (
    user_id     text   NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    peer        text   NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    remark      text   NOT NULL DEFAULT '',    -- Tag_SNS_IM_Remark
    groups      text[] NOT NULL DEFAULT '{}',  -- Tag_SNS_IM_Group: the friend lists it is in
    add_source  text   NOT NULL DEFAULT '',    -- Tag_SNS_IM_AddSource
    add_wording text   NOT NULL DEFAULT '',    -- Tag_SNS_IM_AddWording
    add_time    bigint NOT NULL,               -- Tag_SNS_IM_AddTime (unix seconds)
    custom      jsonb  NOT NULL DEFAULT '{}',  -- {"Tag_SNS_Custom_<key>": "value"}
    PRIMARY KEY (user_id, peer)
);
CREATE INDEX friends_peer ON friends (peer);

-- A's friend lists (friend groups) by name; membership is friends.groups.
CREATE TABLE friend_groups (
    user_id text   NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    name    text   NOT NULL,
    created bigint NOT NULL,
    PRIMARY KEY (user_id, name)
);

-- A pending request of user_id to add peer (the peer's AllowType is NeedConfirm). `read`: the
-- peer has seen it (setFriendApplicationRead).
CREATE TABLE friend_requests (
    user_id     text    NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    peer        text    NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    both_ways   boolean NOT NULL,
    remark      text    NOT NULL DEFAULT '',
    group_name  text    NOT NULL DEFAULT '',
    add_source  text    NOT NULL DEFAULT '',
    add_wording text    NOT NULL DEFAULT '',
    add_time    bigint  NOT NULL,
    read        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (user_id, peer)
);
CREATE INDEX friend_requests_peer ON friend_requests (peer, add_time);

-- B in A's blocklist: B's one-to-one messages to A are refused (20007), and neither can add the
-- other as a friend.
CREATE TABLE blocklist (
    user_id  text   NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    peer     text   NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    add_time bigint NOT NULL,
    PRIMARY KEY (user_id, peer)
);
CREATE INDEX blocklist_peer ON blocklist (peer);

-- A counter per user that every change of the user's friends, friend lists or blocklist moves
-- on: the StandardSequence, CustomSequence, CurrentSequence of the REST answers.
CREATE TABLE sns_versions (
    user_id text   PRIMARY KEY REFERENCES accounts (user_id) ON DELETE CASCADE,
    seq     bigint NOT NULL
);

-- Users whose profile changes a user hears of without being their friend (subscribeUserInfo).
CREATE TABLE profile_subscriptions (
    user_id text NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    target  text NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, target)
);
CREATE INDEX profile_subscriptions_target ON profile_subscriptions (target);

-- User status (setSelfStatus): the custom status text; and who listens to whose status changes
-- (subscribeUserStatus).
CREATE TABLE user_status (
    user_id       text PRIMARY KEY REFERENCES accounts (user_id) ON DELETE CASCADE,
    custom_status text NOT NULL
);
CREATE TABLE status_subscriptions (
    user_id text NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    target  text NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, target)
);
CREATE INDEX status_subscriptions_target ON status_subscriptions (target);
