// chatd-sdk against a real chatd and PostgreSQL (run by tests/e2e/test_clients.py).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import TencentCloudChat, { ChatdClient, TIM } from '../dist/index.js';
import { startChatd, until } from '../../test-harness.mjs';

const { EVENT, TYPES } = TencentCloudChat;
let chatd;
let nextApp = 1;
const open = [];

before(async () => {
  chatd = await startChatd();
  await chatd.importUsers('alice', 'bob', 'carol');
});

after(async () => {
  for (const chat of open) await chat.destroy();
  await chatd.stop();
});

/** A logged-in instance for `user` (each its own SDKAppID key: one instance per app, as Tencent's). */
async function login(user, options = {}) {
  const chat = TencentCloudChat.create({ SDKAppID: 1400000000 + nextApp++, proxyServer: chatd.wsUrl, ...options });
  open.push(chat);
  const events = [];
  for (const name of Object.values(EVENT)) chat.on(name, (e) => events.push(e));
  chat.events = events;
  chat.waitFor = (name, where = () => true, ms = 5000) =>
    until(() => events.find((e) => e.name === name && where(e.data)), ms, name);
  const r = await chat.login({ userID: user, userSig: chatd.usersig(user) });
  assert.equal(r.code, 0);
  await chat.waitFor(EVENT.SDK_READY);
  return chat;
}

function received(chat, text) {
  return chat.waitFor(EVENT.MESSAGE_RECEIVED, (list) => list.some((m) => m.payload.text === text));
}

function countReceived(chat, text) {
  return chat.events.filter((e) => e.name === EVENT.MESSAGE_RECEIVED)
    .flatMap((e) => e.data).filter((m) => m.payload.text === text).length;
}

test('the ten-line script written against Tencent\'s Web SDK docs works', async () => {
  const bob = await login('bob');
  const chat = TIM.create({ SDKAppID: 1400000000, proxyServer: chatd.wsUrl });
  open.push(chat);
  await chat.login({ userID: 'alice', userSig: chatd.usersig('alice') });
  const message = chat.createTextMessage({ to: 'bob', conversationType: TencentCloudChat.TYPES.CONV_C2C, payload: { text: 'hello bob' } });
  const sent = await chat.sendMessage(message);
  assert.equal(sent.code, 0);
  assert.equal(sent.data.message.status, 'success');
  assert.ok(sent.data.message.sequence > 0);
  const [got] = (await received(bob, 'hello bob')).data;
  assert.equal(got.type, TYPES.MSG_TEXT);
  assert.equal(got.from, 'alice');
  assert.equal(got.flow, 'in');
  assert.equal(got.conversationID, 'C2Calice');
  assert.equal(got.ID, sent.data.message.ID);
  assert.strictEqual(TencentCloudChat.create({ SDKAppID: 1400000000, proxyServer: chatd.wsUrl }), chat);
});

test('the conversation cache: sorted list, unread, read, pin, delete with history', async () => {
  const carol = await login('carol');
  const alice = await login('alice');
  for (const text of ['c1', 'c2']) {
    await carol.sendMessage(carol.createTextMessage({ to: 'alice', conversationType: TYPES.CONV_C2C, payload: { text } }));
  }
  const updated = await alice.waitFor(EVENT.CONVERSATION_LIST_UPDATED,
    (list) => list.some((c) => c.conversationID === 'C2Ccarol' && c.unreadCount === 2));
  const conv = updated.data.find((c) => c.conversationID === 'C2Ccarol');
  assert.equal(conv.type, TYPES.CONV_C2C);
  assert.equal(conv.lastMessage.messageForShow, 'c2');
  assert.equal(conv.userProfile.userID, 'carol');
  await alice.waitFor(EVENT.TOTAL_UNREAD_MESSAGE_COUNT_UPDATED, (n) => n >= 2);

  await alice.setMessageRead({ conversationID: 'C2Ccarol' });
  await alice.waitFor(EVENT.CONVERSATION_LIST_UPDATED,
    (list) => list.find((c) => c.conversationID === 'C2Ccarol')?.unreadCount === 0);

  await alice.pinConversation({ conversationID: 'C2Cbob', isPinned: true });
  await alice.waitFor(EVENT.CONVERSATION_LIST_UPDATED, (list) => list[0]?.conversationID === 'C2Cbob' && list[0].isPinned);
  const { data } = await alice.getConversationList();
  assert.equal(data.conversationList[0].conversationID, 'C2Cbob');

  await alice.deleteConversation({ conversationIDList: ['C2Ccarol'], clearHistoryMessage: true });
  assert.ok(!(await alice.getConversationList()).data.conversationList.some((c) => c.conversationID === 'C2Ccarol'));
  const history = await alice.getMessageList({ conversationID: 'C2Ccarol' });
  assert.deepEqual(history.data.messageList, []);
});

test('getMessageList pages back with nextReqMessageID', async () => {
  const alice = await login('alice');
  const bob = await login('bob');
  for (let i = 1; i <= 7; i++) {
    await alice.sendMessage(alice.createTextMessage({ to: 'carol', conversationType: TYPES.CONV_C2C, payload: { text: `p${i}` } }));
  }
  const first = await bob.getMessageList({ conversationID: 'C2Calice', count: 2 });
  assert.ok(first.data.messageList.length > 0);
  const page1 = await alice.getMessageList({ conversationID: 'C2Ccarol', count: 3 });
  assert.deepEqual(page1.data.messageList.map((m) => m.payload.text), ['p5', 'p6', 'p7']);
  assert.equal(page1.data.isCompleted, false);
  const page2 = await alice.getMessageList({ conversationID: 'C2Ccarol', count: 3, nextReqMessageID: page1.data.nextReqMessageID });
  assert.deepEqual(page2.data.messageList.map((m) => m.payload.text), ['p2', 'p3', 'p4']);
  const page3 = await alice.getMessageList({ conversationID: 'C2Ccarol', count: 3, nextReqMessageID: page2.data.nextReqMessageID });
  assert.deepEqual(page3.data.messageList.map((m) => m.payload.text), ['p1']);
  assert.equal(page3.data.isCompleted, true);
  assert.ok(page1.data.messageList.every((m) => m.flow === 'out' && m.status === 'success'));
});

test('recall, modification and read receipts reach the peer', async () => {
  const alice = await login('alice');
  const bob = await login('bob');
  const m = alice.createTextMessage({ to: 'bob', conversationType: TYPES.CONV_C2C, payload: { text: 'oops' }, needReadReceipt: true });
  await alice.sendMessage(m);
  const [got] = (await received(bob, 'oops')).data;
  assert.equal(got.needReadReceipt, true);
  await bob.sendMessageReadReceipt([got]);
  const receipt = await alice.waitFor(EVENT.MESSAGE_READ_RECEIPT_RECEIVED, (l) => l.some((r) => r.messageID === m.ID));
  assert.equal(receipt.data.find((r) => r.messageID === m.ID).isPeerRead, true);
  m.payload = { text: 'fixed' };
  const modified = await alice.modifyMessage(m);
  assert.equal(modified.data.message.payload.text, 'fixed');
  await bob.waitFor(EVENT.MESSAGE_MODIFIED, (l) => l.some((x) => x.ID === m.ID && x.payload.text === 'fixed'));
  await alice.revokeMessage(m);
  const revoked = await bob.waitFor(EVENT.MESSAGE_REVOKED, (l) => l.some((x) => x.ID === m.ID));
  assert.equal(revoked.data[0].conversationID, 'C2Calice');
});

test('groups: create, members, messages, attributes', async () => {
  const alice = await login('alice');
  const bob = await login('bob');
  const created = await alice.createGroup({ type: TYPES.GRP_PUBLIC, name: 'team', groupID: 'team1',
    memberList: [{ userID: 'bob' }] });
  assert.equal(created.data.group.groupID, 'team1');
  await alice.sendMessage(alice.createTextMessage({ to: 'team1', conversationType: TYPES.CONV_GROUP, payload: { text: 'hi team' } }));
  const [got] = (await received(bob, 'hi team')).data;
  assert.equal(got.conversationID, 'GROUPteam1');
  assert.equal(got.conversationType, TYPES.CONV_GROUP);
  const members = await bob.getGroupMemberList({ groupID: 'team1', count: 10 });
  assert.deepEqual(members.data.memberList.map((x) => x.userID).sort(), ['alice', 'bob']);
  assert.equal(members.data.memberList.find((x) => x.userID === 'alice').role, TYPES.GRP_MBR_ROLE_OWNER);
  const profile = await bob.getGroupProfile({ groupID: 'team1' });
  assert.equal(profile.data.group.name, 'team');
  assert.equal(profile.data.group.type, TYPES.GRP_PUBLIC);
  await alice.setGroupAttributes({ groupID: 'team1', groupAttributes: { topic: 'launch' } });
  const attrs = await bob.waitFor(EVENT.GROUP_ATTRIBUTES_UPDATED, (d) => d.groupID === 'team1');
  assert.deepEqual(attrs.data.groupAttributes, { topic: 'launch' });
  const list = await bob.getGroupList();
  assert.ok(list.data.groupList.some((g) => g.groupID === 'team1'));
  await alice.dismissGroup('team1');
});

test('live rooms: join, online count, group counters', async () => {
  const alice = await login('alice');
  const bob = await login('bob');
  await alice.createGroup({ type: TYPES.GRP_AVCHATROOM, name: 'live', groupID: 'live1' });
  await bob.joinGroup({ groupID: 'live1' });
  const online = await alice.getGroupOnlineMemberCount('live1');
  assert.equal(online.data.memberCount, 2);
  const set = await bob.setGroupCounters({ groupID: 'live1', counters: { likes: 1 } });
  assert.deepEqual(set.data.counters, { likes: 1 });
  const changed = await alice.waitFor(EVENT.GROUP_COUNTER_UPDATED, (d) => d.key === 'likes' && d.value === 1);
  assert.equal(changed.data.groupID, 'live1');
  const up = await bob.increaseGroupCounter({ groupID: 'live1', key: 'likes', value: 4 });
  assert.equal(up.data.value, 5);
  const down = await alice.decreaseGroupCounter({ groupID: 'live1', key: 'likes', value: 2 });
  assert.equal(down.data.value, 3);
  const got = await alice.getGroupCounters({ groupID: 'live1', keyList: ['likes'] });
  assert.deepEqual(got.data.counters, { likes: 3 });
  await alice.dismissGroup('live1');
});

test('community topics: create, list with separate unread counts, update, delete', async () => {
  const alice = await login('alice');
  const bob = await login('bob');
  const made = await alice.createGroup({ type: TYPES.GRP_COMMUNITY, name: 'club', groupID: '@TGS#_club1',
    isSupportTopic: true, memberList: [{ userID: 'bob' }] });
  assert.equal(made.data.group.groupID, '@TGS#_club1');
  const one = (await alice.createTopicInCommunity({ groupID: '@TGS#_club1', topicName: 'one', topicID: 'one' })).data.topicID;
  const two = (await alice.createTopicInCommunity({ groupID: '@TGS#_club1', topicName: 'two' })).data.topicID;
  assert.equal(one, '@TGS#_club1@TOPIC#_one');
  await bob.waitFor(EVENT.TOPIC_CREATED, (d) => d.topicID === two);
  await alice.sendMessage(alice.createTextMessage({ to: two, conversationType: TYPES.CONV_GROUP, payload: { text: 'in two' } }));
  await received(bob, 'in two');
  const topics = await bob.getTopicList({ groupID: '@TGS#_club1' });
  assert.deepEqual(Object.fromEntries(topics.data.successTopicList.map((t) => [t.topicID, t.unreadCount])), { [one]: 0, [two]: 1 });
  await alice.updateTopicProfile({ groupID: '@TGS#_club1', topicID: one, topicName: 'first' });
  const upd = await bob.waitFor(EVENT.TOPIC_UPDATED, (d) => d.topic.topicID === one);
  assert.equal(upd.data.topic.topicName, 'first');
  const communities = await bob.getJoinedCommunityList();
  assert.deepEqual(communities.data.groupList.map((g) => g.groupID), ['@TGS#_club1']);
  const gone = await alice.deleteTopicFromCommunity({ groupID: '@TGS#_club1', topicIDList: [one, '@TGS#_club1@TOPIC#_x'] });
  assert.deepEqual(gone.data.successTopicList, [{ topicID: one }]);
  assert.equal(gone.data.failureTopicList[0].code, 10010);
  await bob.waitFor(EVENT.TOPIC_DELETED, (d) => d.topicIDList.includes(one));
  await assert.rejects(bob.createTopicInCommunity({ groupID: '@TGS#_club1', topicName: 'x' }), (e) => e.code === 10007);
  await alice.dismissGroup('@TGS#_club1');
});

test('failures reject with chatd\'s codes; what chatd does not serve rejects 2999', async () => {
  const alice = await login('alice');
  await assert.rejects(alice.sendMessage(alice.createTextMessage({ to: 'nobody', conversationType: TYPES.CONV_C2C, payload: { text: 'x' } })),
    (e) => e.code === 20003 && e.data.message.status === 'fail');
  await assert.rejects(alice.getGroupProfile({ groupID: 'no-such-group' }), (e) => e.code === 10010);
  await assert.rejects(alice.searchCloudUsers({}), (e) => e.code === 2999 && /not served/.test(e.message));
  assert.throws(() => alice.createImageMessage({ to: 'bob', conversationType: TYPES.CONV_C2C, payload: { file: {} } }), (e) => e.code === 2999);
  const wrong = TencentCloudChat.create({ SDKAppID: 1500000000, proxyServer: chatd.wsUrl });
  open.push(wrong);
  await assert.rejects(wrong.login({ userID: 'alice', userSig: 'not-a-sig' }), (e) => e.code === 70003 || e.code === 70009);
});

test('ChatdClient speaks the protocol itself', async () => {
  const c = new ChatdClient({ url: chatd.wsUrl });
  await assert.rejects(c.call('getServerTime'), (e) => e.code === 2024);
  await c.login('carol', chatd.usersig('carol'));
  const t = await c.call('getServerTime');
  assert.ok(Math.abs(t.serverTime - Date.now() / 1000) < 60);
  await assert.rejects(c.call('noSuchCommand'), (e) => e.code === 60009);
  await c.logout();
});

test('after a chatd restart: reconnect, sends retried once, missed messages synced once', async () => {
  const alice = await login('alice', { backoffMs: [200, 1000] });
  // bob comes back 1–2 s after the restart: what is sent before that reaches him by syncMessages.
  const bob = await login('bob', { backoffMs: [2000, 2000] });
  await alice.sendMessage(alice.createTextMessage({ to: 'bob', conversationType: TYPES.CONV_C2C, payload: { text: 'before' } }));
  await received(bob, 'before');
  await chatd.stop();
  await alice.waitFor(EVENT.NET_STATE_CHANGE, (d) => d.state === TYPES.NET_STATE_CONNECTING);
  // Sent while chatd is down: waits, then goes once chatd is back.
  const pending = alice.sendMessage(alice.createTextMessage({ to: 'bob', conversationType: TYPES.CONV_C2C, payload: { text: 'during' } }));
  await chatd.start();
  // Sent by the backend before bob's client is back: bob learns of it by syncing.
  const rest = await chatd.rest('openim/sendmsg', { From_Account: 'carol', To_Account: 'bob', MsgRandom: 99,
    MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'while away' } }] });
  assert.equal(rest.ErrorCode, 0);
  assert.equal(bob.client.state, 'connecting', 'bob must still be away for this test to mean anything');
  assert.equal((await pending).data.message.status, 'success');
  await received(bob, 'during');
  await received(bob, 'while away');
  await alice.waitFor(EVENT.NET_STATE_CHANGE, (d) => d.state === TYPES.NET_STATE_CONNECTED);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(countReceived(bob, 'during'), 1);
  assert.equal(countReceived(bob, 'while away'), 1);
  assert.equal(countReceived(bob, 'before'), 1);
  const history = await bob.getMessageList({ conversationID: 'C2Calice', count: 50 });
  assert.equal(history.data.messageList.filter((m) => m.payload.text === 'during').length, 1);
});

test('friends and the blocklist', async () => {
  const alice = await login('alice');
  const bob = await login('bob');
  await alice.updateMyProfile({ nick: 'Alice', allowType: TYPES.ALLOW_TYPE_ALLOW_ANY });
  const me = await alice.getMyProfile();
  assert.equal(me.data.nick, 'Alice');
  assert.equal(me.data.allowType, TYPES.ALLOW_TYPE_ALLOW_ANY);
  await bob.addFriend({ to: 'alice', source: 'AddSource_Type_Web', type: TYPES.SNS_ADD_TYPE_BOTH });
  await bob.waitFor(EVENT.FRIEND_LIST_UPDATED, (list) => list.some((f) => f.userID === 'alice'));
  const friends = await alice.getFriendList();
  assert.ok(friends.data.some((f) => f.userID === 'bob'));
  await alice.addToBlacklist({ userIDList: ['bob'] });
  await alice.waitFor(EVENT.BLACKLIST_UPDATED, (list) => list.includes('bob'));
  await assert.rejects(bob.sendMessage(bob.createTextMessage({ to: 'alice', conversationType: TYPES.CONV_C2C, payload: { text: 'blocked?' } })),
    (e) => e.code === 20007);
  await alice.removeFromBlacklist({ userIDList: ['bob'] });
  assert.deepEqual((await alice.getBlacklist()).data, []);
});

test('extensions, reactions and a merged message', async () => {
  const alice = await login('alice');
  const bob = await login('bob');
  const m = alice.createTextMessage({ to: 'bob', conversationType: TYPES.CONV_C2C, payload: { text: 'vote' }, isSupportExtension: true });
  await alice.sendMessage(m);
  const [got] = (await received(bob, 'vote')).data;
  assert.equal(got.isSupportExtension, true);
  await bob.setMessageExtensions(got, [{ key: 'poll', value: 'yes' }]);
  await alice.waitFor(EVENT.MESSAGE_EXTENSIONS_UPDATED, (d) => d.messageID === m.ID);
  assert.deepEqual((await alice.getMessageExtensions(m)).data.extensions, [{ key: 'poll', value: 'yes' }]);
  await bob.addMessageReaction(got, '👍');
  const r = await alice.waitFor(EVENT.MESSAGE_REACTIONS_UPDATED, (d) => d.messageID === m.ID);
  assert.equal(r.data.reactionList[0].reactionID, '👍');

  // 40 forwarded messages of ~400 bytes: over 12 KB, so chatd keeps the list apart.
  const list = Array.from({ length: 40 }, (_, i) => ({ from: 'carol', to: 'dave', time: 1700000000 + i, sequence: i + 1,
    random: i, conversationType: TYPES.CONV_C2C, type: TYPES.MSG_TEXT, payload: { text: `${i}:${'x'.repeat(400)}` } }));
  const merger = alice.createMergerMessage({ to: 'bob', conversationType: TYPES.CONV_C2C,
    payload: { messageList: list, title: 'carol and dave', abstractList: ['carol: 0'], compatibleText: 'upgrade' } });
  await alice.sendMessage(merger);
  const [arrived] = (await bob.waitFor(EVENT.MESSAGE_RECEIVED, (l) => l.some((x) => x.type === TYPES.MSG_MERGER))).data
    .filter((x) => x.type === TYPES.MSG_MERGER);
  assert.equal(arrived.payload.title, 'carol and dave');
  assert.ok(arrived.payload.downloadKey.startsWith('mrg_'));
  const full = await bob.downloadMergerMessage(arrived);
  assert.equal(full.data.payload.messageList.length, 40);
  assert.equal(full.data.payload.messageList[39].messageBody[0].payload.text, `39:${'x'.repeat(400)}`);
});

test('KICKED_OUT and SDK_NOT_READY when the backend kicks the user', async () => {
  const carol = await login('carol');
  const kick = await chatd.rest('im_open_login_svc/kick', { UserID: 'carol' });
  assert.equal(kick.ErrorCode, 0);
  const kicked = await carol.waitFor(EVENT.KICKED_OUT);
  assert.equal(kicked.data.type, TYPES.KICKED_OUT_REST_API);
  await carol.waitFor(EVENT.SDK_NOT_READY);
  assert.equal(carol.isReady(), false);
  await assert.rejects(carol.getServerTime(), (e) => e.code === 2024);
});

test('deleting conversations: a failed item stays, a list of only failures rejects', async () => {
  const alice = await login('alice');
  await alice.sendMessage(alice.createTextMessage({ to: 'carol', conversationType: TYPES.CONV_C2C, payload: { text: 'keep?' } }));
  const r = await alice.deleteConversation({ conversationIDList: ['C2Ccarol', 'C2Cnobody'], clearHistoryMessage: false });
  assert.deepEqual(r.data.conversationIDList, ['C2Ccarol']);
  await assert.rejects(alice.deleteConversation({ conversationIDList: ['C2Cnobody'] }), (e) => e.code === 6004);
  await assert.rejects(alice.deleteConversation('C2Cnobody'), (e) => e.code === 6004);
});

test('friend lists, friend profiles, requests; setAllMessageRead; hopping through history', async () => {
  const alice = await login('alice');
  const carol = await login('carol');
  await alice.updateMyProfile({ allowType: TYPES.ALLOW_TYPE_NEED_CONFIRM });
  await carol.addFriend({ to: 'alice', type: TYPES.SNS_ADD_TYPE_BOTH, wording: 'hi' });
  await alice.waitFor(EVENT.FRIEND_APPLICATION_LIST_UPDATED);
  await alice.acceptFriendApplication({ userID: 'carol', remark: 'Carol' });
  const profile = await alice.getFriendProfile({ userIDList: ['carol', 'nobody'] });
  assert.deepEqual(profile.data.friendList.map((f) => [f.userID, f.remark]), [['carol', 'Carol']]);
  await alice.createFriendGroup({ name: 'work', userIDList: ['carol'] });
  assert.deepEqual((await alice.getFriendGroupList()).data, [{ name: 'work', count: 1, userIDList: ['carol'] }]);
  await alice.renameFriendGroup({ oldName: 'work', newName: 'team' });
  await alice.deleteFriendGroup({ name: 'team' });
  assert.deepEqual((await alice.getFriendGroupList()).data, []);
  await alice.updateFriend({ userID: 'carol', remark: 'C.' });
  assert.equal((await alice.getFriendProfile({ userIDList: ['carol'] })).data.friendList[0].remark, 'C.');

  for (let i = 1; i <= 4; i++) {
    await carol.sendMessage(carol.createTextMessage({ to: 'alice', conversationType: TYPES.CONV_C2C, payload: { text: `h${i}` } }));
  }
  const all = (await alice.getMessageList({ conversationID: 'C2Ccarol', count: 100 })).data.messageList;
  const text = (list) => list.map((m) => m.payload.text);
  const newer = await alice.getMessageListHopping({ conversationID: 'C2Ccarol', sequence: 0, direction: 1, count: 2 });
  assert.deepEqual(text(newer.data.messageList), text(all.slice(0, 2)));
  const last = all[all.length - 1];
  assert.equal(last.payload.text, 'h4');
  const older = await alice.getMessageListHopping({ conversationID: 'C2Ccarol', sequence: last.sequence, count: 2 });
  assert.deepEqual(text(older.data.messageList), ['h2', 'h3']);
  await alice.waitFor(EVENT.TOTAL_UNREAD_MESSAGE_COUNT_UPDATED, (n) => n > 0);
  await alice.setAllMessageRead();
  await alice.waitFor(EVENT.CONVERSATION_LIST_UPDATED, (l) => l.find((c) => c.conversationID === 'C2Ccarol')?.unreadCount === 0);
  await assert.rejects(alice.followUser({}), (e) => e.code === 2999);
});

test('signaling: ring, accept, cancel and a server-side timeout reach both sides', async () => {
  const alice = await login('alice');
  const bob = await login('bob');
  const S = TencentCloudChat.TSignaling;
  const seen = { alice: [], bob: [] };
  for (const name of Object.values(S)) {
    await alice.addSignalingListener(name, (e) => seen.alice.push(e));
    await bob.addSignalingListener(name, (e) => seen.bob.push(e));
  }
  const wait = (who, name, id) => until(() => seen[who].find((e) => e.name === name && e.data.inviteID === id), 5000, name);

  const call = (await alice.invite({ userID: 'bob', data: '{"call":"video"}', timeout: 30 })).data;
  const ring = await wait('bob', S.NEW_INVITATION_RECEIVED, call);
  assert.equal(ring.data.inviter, 'alice');
  const got = await bob.waitFor(EVENT.MESSAGE_RECEIVED, (l) => l.some((m) => m.type === TYPES.MSG_CUSTOM));
  const info = await bob.getSignalingInfo(got.data.find((m) => m.type === TYPES.MSG_CUSTOM));
  assert.equal(info.data.inviteID, call);
  assert.equal(info.data.actionType, 1);
  await bob.accept({ inviteID: call, data: 'yes' });
  assert.equal((await wait('alice', S.INVITEE_ACCEPTED, call)).data.invitee, 'bob');
  await assert.rejects(bob.accept({ inviteID: call }), (e) => e.code === 8010);

  const second = (await alice.invite({ userID: 'bob', timeout: 30 })).data;
  await alice.modifyInvitation({ inviteID: second, data: 'audio only' });
  assert.equal((await wait('bob', S.INVITATION_MODIFIED, second)).data.data, 'audio only');
  await assert.rejects(bob.modifyInvitation({ inviteID: second, data: 'x' }), (e) => e.code === 8011);
  await assert.rejects(bob.cancel({ inviteID: second }), (e) => e.code === 8011);
  await alice.cancel({ inviteID: second });
  await wait('bob', S.INVITATION_CANCELLED, second);

  const missed = (await alice.invite({ userID: 'bob', timeout: 1 })).data;
  await wait('alice', S.INVITATION_TIMEOUT, missed);
  assert.deepEqual((await wait('bob', S.INVITATION_TIMEOUT, missed)).data.inviteeList, ['bob']);
});

test('searchCloudMessages finds on one device what was sent from another', async () => {
  const phone = await login('carol');
  const alice = await login('alice');
  const text = '请把上个月的发票发给我';
  const m = phone.createTextMessage({ to: 'alice', conversationType: TYPES.CONV_C2C, payload: { text } });
  assert.equal((await phone.sendMessage(m)).code, 0);
  await received(alice, text);
  const laptop = await login('carol'); // another session (the same platform: the phone is kicked)
  const r = await laptop.searchCloudMessages({ keywordList: ['发票'], messageTypeList: [TYPES.MSG_TEXT] });
  assert.equal(r.code, 0);
  assert.equal(r.data.totalCount, 1);
  assert.equal(r.data.cursor, '');
  const [item] = r.data.searchResultList;
  assert.equal(item.conversationID, 'C2Calice');
  assert.equal(item.messageCount, 1);
  assert.equal(item.messageList[0].payload.text, text);
  assert.equal(item.messageList[0].flow, 'out');
  const none = await laptop.searchCloudMessages({ keywordList: ['发票', 'nothing'], keywordListMatchType: 'and' });
  assert.deepEqual(none.data.searchResultList, []);
  await assert.rejects(laptop.searchCloudMessages({}), (e) => e.code === 70402);
});

test('offline push: register a token, background and foreground; a bad token rejects 70402', async () => {
  const bob = await login('bob');
  await bob.setOfflinePushConfig({ businessID: 1, token: 'fcm-token-1' });
  await bob.doBackground({ unreadCount: 2 });
  await bob.doForeground();
  await assert.rejects(bob.setOfflinePushConfig({ token: 'x'.repeat(257) }), (e) => e.code === 70402);
  await bob.setOfflinePushConfig({ token: '' });
});
