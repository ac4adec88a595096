-- Marks on AVChatRoom members (markGroupMemberList, REST group_open_avchatroom_http_svc/
-- modify_user_info): app-defined numbers >= 1000, at most 10 different ones per group and 1,000
-- members per mark. They end with the membership.
CREATE TABLE group_member_marks (
    group_id text   NOT NULL,
    user_id  text   NOT NULL,
    mark     bigint NOT NULL,
    PRIMARY KEY (group_id, mark, user_id),
    FOREIGN KEY (group_id, user_id) REFERENCES group_members (group_id, user_id) ON DELETE CASCADE
);
CREATE INDEX group_member_marks_member ON group_member_marks (group_id, user_id);
