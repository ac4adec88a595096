-- Groups: every Tencent group type, members with roles, custom attributes, join applications,
-- @ mentions. A group's messages live in `messages` under conv_key 'g:<GroupId>' and are
-- numbered by conversations.last_seq like every conversation (NextMsgSeq = last_seq + 1); each
-- member has a conv_views row for it (read position, deletion point) created when joining.

CREATE TABLE groups (
    group_id            text    PRIMARY KEY,
    type                text    NOT NULL CHECK (type IN ('Private', 'Public', 'ChatRoom',
                                                         'AVChatRoom', 'Community')),
    name                text    NOT NULL,
    introduction        text    NOT NULL DEFAULT '',
    notification        text    NOT NULL DEFAULT '',
    face_url            text    NOT NULL DEFAULT '',
    owner               text,                       -- NULL: ownerless (Work groups may be)
    create_time         bigint  NOT NULL,
    info_seq            bigint  NOT NULL DEFAULT 1, -- +1 per profile change
    last_info_time      bigint  NOT NULL DEFAULT 0,
    max_members         integer NOT NULL,
    apply_join_option   text    NOT NULL DEFAULT 'NeedPermission',
    invite_join_option  text    NOT NULL DEFAULT 'FreeAccess',
    mute_all            boolean NOT NULL DEFAULT false,
    history_before_join boolean NOT NULL DEFAULT false,
    app_defined         jsonb   NOT NULL DEFAULT '{}'  -- AppDefinedData {key: value}
);

CREATE TABLE group_members (
    group_id           text    NOT NULL REFERENCES groups (group_id) ON DELETE CASCADE,
    user_id            text    NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    role               text    NOT NULL DEFAULT 'Member' CHECK (role IN ('Owner', 'Admin', 'Member')),
    join_time          bigint  NOT NULL,
    join_seq           bigint  NOT NULL DEFAULT 0,  -- the group's last_seq when joining
    name_card          text    NOT NULL DEFAULT '',
    mute_until         bigint  NOT NULL DEFAULT 0,  -- unix seconds
    msg_flag           text    NOT NULL DEFAULT 'AcceptAndNotify',
    last_send_time     bigint  NOT NULL DEFAULT 0,
    app_member_defined jsonb   NOT NULL DEFAULT '{}',
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

-- Custom group attributes (group_open_attr_http_svc, initGroupAttributes…): lowercase key/value.
CREATE TABLE group_attrs (
    group_id text NOT NULL REFERENCES groups (group_id) ON DELETE CASCADE,
    key      text NOT NULL,
    value    text NOT NULL,
    PRIMARY KEY (group_id, key)
);

-- Join requests and invitations waiting for approval.
CREATE TABLE group_applications (
    group_id   text   NOT NULL REFERENCES groups (group_id) ON DELETE CASCADE,
    user_id    text   NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE, -- who would join
    kind       text   NOT NULL CHECK (kind IN ('apply', 'invite')),
    from_user  text   NOT NULL,                      -- applicant or inviter
    message    text   NOT NULL DEFAULT '',
    created_at bigint NOT NULL,
    PRIMARY KEY (group_id, user_id, kind)
);

-- @ mentions: who a group message mentions ('' = @all). A member's groupAtInfoList is the rows
-- after their read position naming them or everyone.
CREATE TABLE group_at (
    conv_key text   NOT NULL,
    seq      bigint NOT NULL,
    user_id  text   NOT NULL,
    PRIMARY KEY (conv_key, seq, user_id)
);

-- Messages that do not count as unread (group tips, targeted messages, NoUnread): unread is
-- last_seq - position - (such messages after the position), still arithmetic on seqs.
CREATE INDEX messages_no_unread ON messages (conv_key, seq) WHERE flags & 2 <> 0;
-- Targeted messages: only these members may see them.
CREATE TABLE msg_targets (
    conv_key text   NOT NULL,
    seq      bigint NOT NULL,
    user_id  text   NOT NULL,
    PRIMARY KEY (conv_key, seq, user_id)
);
