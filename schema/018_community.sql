-- Community topics (issue 14): a Community group with SupportTopic has topics, each a message
-- stream of its own. A topic's ID is '<GroupId>@TOPIC#_<custom or generated>' (reference §5.5);
-- its messages live in `messages` under conv_key 'g:<TopicId>', numbered by conversations like
-- every conversation, and each member of the community has a conv_views row for it (read
-- position, deletion point, group_id = the TopicId) made when the topic is created or when the
-- member joins. Topics have no member rows: the community's members are theirs.

ALTER TABLE groups
    ADD COLUMN support_topic boolean NOT NULL DEFAULT false;

CREATE TABLE group_topics (
    topic_id       text    PRIMARY KEY,
    group_id       text    NOT NULL REFERENCES groups (group_id) ON DELETE CASCADE,
    name           text    NOT NULL,
    introduction   text    NOT NULL DEFAULT '',
    notification   text    NOT NULL DEFAULT '',
    face_url       text    NOT NULL DEFAULT '',
    custom_string  text    NOT NULL DEFAULT '',
    mute_all       boolean NOT NULL DEFAULT false,
    create_time    bigint  NOT NULL,
    last_info_time bigint  NOT NULL DEFAULT 0
);
CREATE INDEX group_topics_group ON group_topics (group_id, create_time, topic_id);

-- The group whose members and rules a conversation's group ID answers to: the community of a
-- topic, else the group itself (a group ID never contains '@TOPIC#_').
CREATE FUNCTION chatd_topic_group(id text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT split_part(id, '@TOPIC#_', 1) $$;

-- Member lists of large groups (a Community holds 100,000 members by default) cost O(page):
-- pages continue after a key (role rank, join time, UserID) in this index's order instead of
-- skipping an OFFSET, and the member count is kept on the group row instead of counted.
CREATE INDEX group_members_page ON group_members
    (group_id, (CASE role WHEN 'Owner' THEN 0 WHEN 'Admin' THEN 1 ELSE 2 END), join_time, user_id);

ALTER TABLE groups
    ADD COLUMN member_count integer NOT NULL DEFAULT 0;
UPDATE groups g SET member_count = (SELECT count(*) FROM group_members m
                                    WHERE m.group_id = g.group_id);

CREATE FUNCTION chatd_member_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE groups g SET member_count = g.member_count + c.n
        FROM (SELECT group_id, count(*) AS n FROM added GROUP BY group_id) c
        WHERE g.group_id = c.group_id;
    ELSE
        UPDATE groups g SET member_count = g.member_count - c.n
        FROM (SELECT group_id, count(*) AS n FROM removed GROUP BY group_id) c
        WHERE g.group_id = c.group_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER group_members_added AFTER INSERT ON group_members
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION chatd_member_count();
CREATE TRIGGER group_members_removed AFTER DELETE ON group_members
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION chatd_member_count();

-- Permission groups of a Community (reference §5.6): a named set of permission bits, its
-- members (members of the community), and per-topic permission bits. With EnablePermission a
-- plain member may do what the bits of DefaultPermission and of their permission groups grant.
ALTER TABLE groups
    ADD COLUMN enable_permission  boolean NOT NULL DEFAULT false,
    ADD COLUMN default_permission bigint  NOT NULL DEFAULT 0;

CREATE TABLE permission_groups (
    group_id      text   NOT NULL REFERENCES groups (group_id) ON DELETE CASCADE,
    pg_id         text   NOT NULL,
    name          text   NOT NULL,
    custom_string text   NOT NULL DEFAULT '',
    permission    bigint NOT NULL DEFAULT 0,
    create_time   bigint NOT NULL,
    PRIMARY KEY (group_id, pg_id)
);

CREATE TABLE permission_group_members (
    group_id  text   NOT NULL,
    pg_id     text   NOT NULL,
    user_id   text   NOT NULL,
    join_time bigint NOT NULL,
    PRIMARY KEY (group_id, pg_id, user_id),
    FOREIGN KEY (group_id, pg_id) REFERENCES permission_groups (group_id, pg_id) ON DELETE CASCADE,
    FOREIGN KEY (group_id, user_id) REFERENCES group_members (group_id, user_id) ON DELETE CASCADE
);
CREATE INDEX permission_group_members_user ON permission_group_members (group_id, user_id);

CREATE TABLE topic_permissions (
    group_id   text   NOT NULL,
    pg_id      text   NOT NULL,
    topic_id   text   NOT NULL REFERENCES group_topics (topic_id) ON DELETE CASCADE,
    permission bigint NOT NULL,
    PRIMARY KEY (group_id, pg_id, topic_id),
    FOREIGN KEY (group_id, pg_id) REFERENCES permission_groups (group_id, pg_id) ON DELETE CASCADE
);
