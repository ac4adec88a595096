// TencentCloudChat — the facade with Tencent's Web SDK API over ChatdClient. A web app written
// for @tencentcloud/chat moves by importing chatd-sdk and setting `proxyServer` to chatd's
// WebSocket URL. Every method resolves {code: 0, data} or rejects {code, message} with chatd's
// (Tencent's) codes; an API chatd does not serve rejects with 2999.
import { ChatdClient, ChatdError, CLIENT_ERRORS, type NetState } from './client.js';
import {
  conversationToTim, convIdToChatd, convIdToTim, draftMessage, elemToChatd, groupToTim,
  groupTypeToChatd, joinOptionToChatd, memberToTim, messageToTim, profileToChatd, profileToTim,
  relayToTim, remindToRecvOpt, roleToChatd, sendRequest, topicToChatd, topicToTim, type TimMessage,
} from './translate.js';
import { EVENT, TSIGNALING, TYPES } from './types.js';

type Payload = Record<string, any>;
export interface ChatResponse<T = any> { code: 0; data: T }
export interface ChatErrorResponse { code: number; message: string; data?: any }
type Handler = (event: { name: string; data: any }) => void;

export interface CreateOptions {
  SDKAppID: number;
  /** chatd's WebSocket URL (ws://host:port/ws or wss://…). */
  proxyServer: string;
  /** A WebSocket constructor for runtimes without a global one. */
  WebSocket?: unknown;
  /** Reconnect backoff (ms, first and longest); for tests. */
  backoffMs?: [number, number];
}

const SEEN_MAX = 5000; // message IDs remembered to report each message once
const instances = new Map<number, TencentCloudChat>();

function fail(e: unknown): ChatErrorResponse {
  if (e instanceof ChatdError) return { code: e.code, message: e.message };
  if (e && typeof e === 'object' && 'code' in e) return e as ChatErrorResponse;
  return { code: CLIENT_ERRORS.UNSUPPORTED, message: String((e as Error)?.message ?? e) };
}

function unsupported(name: string): Promise<never> {
  return Promise.reject({ code: CLIENT_ERRORS.UNSUPPORTED, message: `${name} is not served by chatd` });
}

export class TencentCloudChat {
  static EVENT = EVENT;
  static TYPES = TYPES;
  static TSignaling = TSIGNALING;

  /** One instance per SDKAppID, as Tencent's create(). */
  static create(options: CreateOptions): TencentCloudChat {
    let chat = instances.get(options.SDKAppID);
    if (!chat) {
      chat = new TencentCloudChat(options);
      instances.set(options.SDKAppID, chat);
    }
    return chat;
  }

  readonly EVENT = EVENT;
  readonly TYPES = TYPES;
  readonly TSignaling = TSIGNALING;
  readonly client: ChatdClient;
  private handlers = new Map<string, Set<Handler>>();
  private ready = false;
  private me = '';
  private conversations = new Map<string, Payload>(); // Tencent conversationID → conversation
  private totalUnread = 0;
  private seen = new Set<string>();
  private lastSeq = new Map<string, number>(); // chatd conversationID → newest seq seen
  private cursors = new Map<string, number>(); // msgID → seq, for nextReqMessageID

  private constructor(private readonly options: CreateOptions) {
    this.client = new ChatdClient({ url: options.proxyServer, WebSocket: options.WebSocket,
      backoffMs: options.backoffMs });
    this.wire();
  }

  // ---- events ----

  on(name: string, handler: Handler): void {
    if (!this.handlers.has(name)) this.handlers.set(name, new Set());
    this.handlers.get(name)!.add(handler);
  }

  off(name: string, handler: Handler): void {
    this.handlers.get(name)?.delete(handler);
  }

  private emit(name: string, data: any): void {
    for (const h of [...(this.handlers.get(name) ?? [])]) {
      try {
        h({ name, data });
      } catch (e) {
        setTimeout(() => { throw e; });
      }
    }
  }

  private wire(): void {
    const c = this.client;
    const signaling: Record<string, string> = {
      onReceiveNewInvitation: TSIGNALING.NEW_INVITATION_RECEIVED,
      onInviteeAccepted: TSIGNALING.INVITEE_ACCEPTED,
      onInviteeRejected: TSIGNALING.INVITEE_REJECTED,
      onInvitationCancelled: TSIGNALING.INVITATION_CANCELLED,
      onInvitationTimeout: TSIGNALING.INVITATION_TIMEOUT,
      onInvitationModified: TSIGNALING.INVITATION_MODIFIED,
    };
    for (const [push, name] of Object.entries(signaling)) c.on(push, (b) => this.emit(name, b));
    c.on('net', ({ state }: { state: NetState }) => this.emit(EVENT.NET_STATE_CHANGE, { state }));
    c.on('reconnected', () => void this.catchUp());
    // The push comes first, then the close (4001/4002): KICKED_OUT once, from whichever is first.
    c.on('onKickedOffline', ({ reason }) => this.kicked(/administrator|deleted/.test(reason ?? '')
      ? TYPES.KICKED_OUT_REST_API : TYPES.KICKED_OUT_MULT_ACCOUNT));
    c.on('onUserSigExpired', () => this.kicked(TYPES.KICKED_OUT_USERSIG_EXPIRED));
    c.on('kicked', ({ code }: { code: number }) => this.kicked(code === 4002 || code === 70001
      ? TYPES.KICKED_OUT_USERSIG_EXPIRED : TYPES.KICKED_OUT_MULT_ACCOUNT));
    c.on('onRecvNewMessage', ({ message }) => this.received([message]));
    c.on('onRecvMessageModified', ({ message }) => this.emit(EVENT.MESSAGE_MODIFIED, [messageToTim(message, this.me)]));
    c.on('onRecvMessageRevoked', (b) => this.emit(EVENT.MESSAGE_REVOKED, [{
      ID: b.msgID, conversationID: convIdToTim(b.conversationID), isRevoked: true,
      revoker: b.operateUser, revokeReason: b.reason ?? '',
    }]));
    c.on('onRecvC2CReadReceipt', ({ receiptList }) => this.emit(EVENT.MESSAGE_READ_BY_PEER,
      receiptList.map((r: Payload) => ({ conversationID: `C2C${r.userID}`, peerReadTime: r.timestamp, msgSeq: r.msgSeq }))));
    c.on('onRecvMessageReadReceipts', ({ receiptList }) => this.emit(EVENT.MESSAGE_READ_RECEIPT_RECEIVED,
      receiptList.map((r: Payload) => ({
        messageID: r.msgID, conversationID: convIdToTim(r.conversationID), groupID: r.groupID,
        readCount: r.readCount, unreadCount: r.unreadCount, isPeerRead: r.isPeerRead,
      }))));
    c.on('onNewConversation', ({ conversationList }) => this.mergeConversations(conversationList));
    c.on('onConversationChanged', ({ conversationList }) => this.mergeConversations(conversationList));
    c.on('onConversationDeleted', ({ conversationIDList }) => {
      for (const id of conversationIDList) this.conversations.delete(convIdToTim(id));
      this.emitConversations();
    });
    c.on('onTotalUnreadMessageCountChanged', ({ totalUnreadCount }) => {
      this.totalUnread = totalUnreadCount;
      this.emit(EVENT.TOTAL_UNREAD_MESSAGE_COUNT_UPDATED, totalUnreadCount);
    });
    c.on('onSelfInfoUpdated', ({ info }) => this.emit(EVENT.PROFILE_UPDATED, [profileToTim(info)]));
    c.on('onUserInfoChanged', ({ userInfoList }) => this.emit(EVENT.PROFILE_UPDATED, (userInfoList ?? []).map(profileToTim)));
    c.on('onTopicCreated', ({ groupID, topicID }) => this.emit(EVENT.TOPIC_CREATED, { groupID, topicID }));
    c.on('onTopicDeleted', ({ groupID, topicIDList }) => this.emit(EVENT.TOPIC_DELETED, { groupID, topicIDList }));
    c.on('onTopicChanged', ({ groupID, topicInfo }) => this.emit(EVENT.TOPIC_UPDATED, { groupID, topic: topicToTim(topicInfo) }));
    c.on('onGroupAttributeChanged', ({ groupID, groupAttributeMap }) =>
      this.emit(EVENT.GROUP_ATTRIBUTES_UPDATED, { groupID, groupAttributes: groupAttributeMap }));
    c.on('onGroupCounterChanged', ({ groupID, key, newValue }) =>
      this.emit(EVENT.GROUP_COUNTER_UPDATED, { groupID, key, value: newValue }));
    for (const e of ['onGroupCreated', 'onQuitFromGroup', 'onGroupDismissed', 'onMemberKicked', 'onMemberEnter', 'onMemberInvited', 'onGroupInfoChanged', 'onApplicationProcessed']) {
      c.on(e, () => void this.refreshGroups());
    }
    for (const e of ['onFriendListAdded', 'onFriendListDeleted', 'onFriendInfoChanged']) {
      c.on(e, () => void this.refresh('getFriendList', EVENT.FRIEND_LIST_UPDATED, (b) => (b.friendList ?? b).map?.((f: Payload) => this.friendToTim(f)) ?? []));
    }
    for (const e of ['onBlackListAdded', 'onBlackListDeleted']) {
      c.on(e, () => void this.refresh('getBlackList', EVENT.BLACKLIST_UPDATED, (b) => (b.blackList ?? b).map?.((u: Payload) => u.userID ?? u) ?? []));
    }
    for (const e of ['onFriendApplicationListAdded', 'onFriendApplicationListDeleted', 'onFriendApplicationListRead']) {
      c.on(e, () => void this.refresh('getFriendApplicationList', EVENT.FRIEND_APPLICATION_LIST_UPDATED, (b) => b));
    }
    c.on('onRecvMessageExtensionsChanged', (b) => this.emit(EVENT.MESSAGE_EXTENSIONS_UPDATED, { messageID: b.msgID, extensions: b.extensions }));
    c.on('onRecvMessageExtensionsDeleted', (b) => this.emit(EVENT.MESSAGE_EXTENSIONS_DELETED, { messageID: b.msgID, keyList: b.extensionKeys }));
    c.on('onRecvMessageReactionsChanged', (b) => {
      for (const c2 of b.changeInfos ?? []) this.emit(EVENT.MESSAGE_REACTIONS_UPDATED, { messageID: c2.msgID, reactionList: c2.reactionList });
    });
  }

  private kicked(type: string): void {
    if (!this.ready) return;
    this.client.close();
    this.setNotReady();
    this.emit(EVENT.KICKED_OUT, { type });
  }

  private setNotReady(): void {
    if (!this.ready) return;
    this.ready = false;
    this.emit(EVENT.SDK_NOT_READY, {});
  }

  /** New messages: each reported once (a reconnect's sync may bring them again). */
  private received(list: Payload[]): void {
    const fresh: TimMessage[] = [];
    for (const m of list) {
      this.track(m);
      if (this.seen.has(m.msgID) || m.sender === this.me && this.seen.has(`sent:${m.msgID}`)) continue;
      this.remember(m.msgID);
      fresh.push(messageToTim(m, this.me));
    }
    if (fresh.length) this.emit(EVENT.MESSAGE_RECEIVED, fresh);
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > SEEN_MAX) this.seen.delete(this.seen.values().next().value as string);
  }

  private track(m: Payload): void {
    if (!m.seq) return;
    const conv = m.groupID ? `group_${m.groupID}` : `c2c_${m.sender === this.me ? m.receiver : m.sender}`;
    if ((this.lastSeq.get(conv) ?? 0) < m.seq) this.lastSeq.set(conv, m.seq);
    this.cursors.set(m.msgID, m.seq);
  }

  private mergeConversations(list: Payload[]): void {
    for (const c of list) this.conversations.set(convIdToTim(c.conversationID), conversationToTim(c, this.me));
    this.emitConversations();
  }

  private sortedConversations(): Payload[] {
    return [...this.conversations.values()].sort((a, b) =>
      Number(b.isPinned) - Number(a.isPinned) || b.orderKey - a.orderKey);
  }

  private emitConversations(): void {
    this.emit(EVENT.CONVERSATION_LIST_UPDATED, this.sortedConversations());
  }

  private async refresh(cmd: string, event: string, shape: (b: any) => any): Promise<void> {
    try {
      this.emit(event, shape(await this.client.call(cmd, {})));
    } catch { /* the next change or call reports it */ }
  }

  private async refreshGroups(): Promise<void> {
    try {
      const b = await this.client.call('getJoinedGroupList', {});
      this.emit(EVENT.GROUP_LIST_UPDATED, (b.groupList ?? []).map(groupToTim));
    } catch { /* as above */ }
  }

  private async loadConversations(): Promise<void> {
    let nextSeq = 0;
    const all: Payload[] = [];
    for (;;) {
      const page = await this.client.call('getConversationList', { nextSeq, count: 100 });
      all.push(...page.conversationList);
      if (page.isFinished || !page.conversationList.length) break;
      nextSeq = page.nextSeq;
    }
    this.conversations.clear();
    for (const c of all) {
      if (c.lastMessage) this.track(c.lastMessage);
      this.conversations.set(convIdToTim(c.conversationID), conversationToTim(c, this.me));
    }
    const t = await this.client.call('getTotalUnreadMessageCount', {});
    this.totalUnread = t.totalUnreadCount;
  }

  /** After a reconnect: what arrived meanwhile, each message once. */
  private async catchUp(): Promise<void> {
    try {
      const before = new Map(this.lastSeq);
      const positions: Record<string, number> = {};
      for (const [conv, seq] of before) if (conv.startsWith('c2c_')) positions[conv] = seq;
      for (let round = 0; round < 100; round++) {
        const b = await this.client.call('syncMessages', { positions, count: 500 });
        this.received(b.messageList);
        for (const m of b.messageList) {
          const conv = `c2c_${m.sender === this.me ? m.receiver : m.sender}`;
          positions[conv] = Math.max(positions[conv] ?? 0, m.seq);
        }
        if (b.isFinished) break;
      }
      await this.loadConversations();
      for (const c of this.conversations.values()) {
        if (c.type !== TYPES.CONV_GROUP) continue;
        const conv = convIdToChatd(c.conversationID);
        const have = before.get(conv) ?? 0;
        const gap = (c.lastMessage.lastSequence ?? 0) - have;
        if (have > 0 && gap > 0) {
          const h = await this.client.call('getHistoryMessageList', { conversationID: conv, count: Math.min(gap, 100) });
          this.received([...h.messageList].reverse().filter((m: Payload) => m.seq > have));
        }
      }
      this.emitConversations();
      this.emit(EVENT.TOTAL_UNREAD_MESSAGE_COUNT_UPDATED, this.totalUnread);
      if (!this.ready) {
        this.ready = true;
        this.emit(EVENT.SDK_READY, {});
      }
    } catch (e) {
      this.emit(EVENT.ERROR, fail(e));
    }
  }

  /** Runs a command; shape turns its answer into the Tencent method's data. */
  private async run<T>(cmd: string, body: Payload, shape: (b: any) => T = (b) => b): Promise<ChatResponse<T>> {
    try {
      return { code: 0, data: shape(await this.client.call(cmd, body)) };
    } catch (e) {
      throw fail(e);
    }
  }

  // ---- offline push (chatd's docs/push.md) ----

  /** Binds this device's vendor push token (APNs on iPhone/iPad, FCM elsewhere) to the user
   * and this session's platform; token '' removes the binding. */
  setOfflinePushConfig({ businessID = 0, token }: Payload): Promise<ChatResponse> {
    return this.run('setOfflinePushConfig', { businessID, token }, () => ({}));
  }

  /** The app went to the background: chatd sends offline pushes for this device. */
  doBackground({ unreadCount }: Payload = {}): Promise<ChatResponse> {
    return this.run('doBackground', unreadCount === undefined ? {} : { unreadCount }, () => ({}));
  }

  /** The app is in the foreground again: no offline pushes while it is. */
  doForeground(): Promise<ChatResponse> {
    return this.run('doForeground', {}, () => ({}));
  }

  // ---- signaling (chatd owns each invitation and fires its timeout itself) ----

  addSignalingListener(name: string, handler: Handler): Promise<void> {
    this.on(name, handler);
    return Promise.resolve();
  }

  removeSignalingListener(name: string, handler: Handler): Promise<void> {
    this.off(name, handler);
    return Promise.resolve();
  }

  /** Rings one user; data is the inviteID. timeout in seconds (0: never). */
  invite({ userID, data = '', timeout = 0, onlineUserOnly = false }: Payload): Promise<ChatResponse> {
    return this.run('invite', { invitee: userID, data, timeout, onlineUserOnly }, (b) => b.inviteID);
  }

  inviteInGroup({ groupID, inviteeList, data = '', timeout = 0, onlineUserOnly = false }: Payload): Promise<ChatResponse> {
    return this.run('inviteInGroup', { groupID, inviteeList, data, timeout, onlineUserOnly }, (b) => b.inviteID);
  }

  accept({ inviteID, data = '' }: Payload): Promise<ChatResponse> {
    return this.run('accept', { inviteID, data }, () => ({ inviteID }));
  }

  reject({ inviteID, data = '' }: Payload): Promise<ChatResponse> {
    return this.run('reject', { inviteID, data }, () => ({ inviteID }));
  }

  cancel({ inviteID, data = '' }: Payload): Promise<ChatResponse> {
    return this.run('cancel', { inviteID, data }, () => ({ inviteID }));
  }

  /** New data for an invitation someone still waits for (not an online-only one). */
  modifyInvitation({ inviteID, data = '' }: Payload): Promise<ChatResponse> {
    return this.run('modifyInvitation', { inviteID, data }, () => ({ inviteID }));
  }

  /** The signaling step a custom message carries ({inviteID, inviter, groupID, inviteeList,
   * data, actionType, timeout}), or null for any other message. */
  getSignalingInfo(message: TimMessage): Promise<ChatResponse> {
    const msgBody = message.type === TYPES.MSG_CUSTOM
      ? [{ MsgType: 'TIMCustomElem', MsgContent: { Data: (message.payload as Payload)?.data ?? '' } }] : [];
    return this.run('getSignalingInfo', { message: { msgBody } }, (b) => b.signalingInfo);
  }

  // ---- session ----

  async login({ userID, userSig }: { userID: string; userSig: string }): Promise<ChatResponse> {
    try {
      this.me = userID;
      await this.client.login(userID, userSig, 'Web');
      await this.loadConversations();
    } catch (e) {
      throw fail(e);
    }
    this.ready = true;
    setTimeout(() => {
      this.emit(EVENT.SDK_READY, {});
      this.emitConversations();
      this.emit(EVENT.TOTAL_UNREAD_MESSAGE_COUNT_UPDATED, this.totalUnread);
    });
    return { code: 0, data: { repeatLogin: false } };
  }

  async logout(): Promise<ChatResponse> {
    try {
      await this.client.logout();
    } catch (e) {
      throw fail(e);
    } finally {
      this.setNotReady();
      this.conversations.clear();
    }
    return { code: 0, data: {} };
  }

  async destroy(): Promise<ChatResponse> {
    if (this.client.state !== 'disconnected') await this.logout().catch(() => undefined);
    instances.delete(this.options.SDKAppID);
    this.emit(EVENT.SDK_DESTROY, {});
    return { code: 0, data: {} };
  }

  isReady(): boolean {
    return this.ready;
  }

  getLoginUser(): string {
    return this.me;
  }

  setLogLevel(_level: number): void { /* chatd-sdk logs nothing by itself */ }

  registerPlugin(_plugins: Payload): void { /* uploads and other plugins: not used by chatd */ }

  getServerTime(): Promise<ChatResponse<number>> {
    return this.run('getServerTime', {}, (b) => b.serverTime);
  }

  // ---- creating messages ----

  private create(options: Payload, type: string, payload: Payload): TimMessage {
    if (!options?.to || !options?.conversationType) {
      throw { code: 2000 + 17, message: 'to and conversationType are required' };
    }
    return draftMessage(this.me, options.to, options.conversationType, [{ type, payload }], options);
  }

  createTextMessage(o: Payload): TimMessage { return this.create(o, TYPES.MSG_TEXT, { text: o.payload?.text ?? '' }); }
  createTextAtMessage(o: Payload): TimMessage { return this.create(o, TYPES.MSG_TEXT, { text: o.payload?.text ?? '', atUserList: o.payload?.atUserList }); }
  createCustomMessage(o: Payload): TimMessage { return this.create(o, TYPES.MSG_CUSTOM, { data: '', description: '', extension: '', ...o.payload }); }
  createFaceMessage(o: Payload): TimMessage { return this.create(o, TYPES.MSG_FACE, { index: 0, data: '', ...o.payload }); }
  createLocationMessage(o: Payload): TimMessage { return this.create(o, TYPES.MSG_GEO, o.payload); }

  /** chatd stores no files: the app uploads and passes what it uploaded (URLs and sizes). */
  private uploaded(o: Payload, type: string, need: string): TimMessage {
    if (!o.payload || o.payload.file !== undefined && o.payload[need] === undefined) {
      throw { code: CLIENT_ERRORS.UNSUPPORTED, message: `chatd stores no files: upload it yourself and pass payload.${need}` };
    }
    return this.create(o, type, o.payload);
  }

  createImageMessage(o: Payload): TimMessage { return this.uploaded(o, TYPES.MSG_IMAGE, 'imageInfoArray'); }
  createFileMessage(o: Payload): TimMessage { return this.uploaded(o, TYPES.MSG_FILE, 'fileUrl'); }
  createAudioMessage(o: Payload): TimMessage { return this.uploaded(o, TYPES.MSG_AUDIO, 'url'); }
  createVideoMessage(o: Payload): TimMessage { return this.uploaded(o, TYPES.MSG_VIDEO, 'videoUrl'); }

  createMergerMessage(o: Payload): TimMessage {
    const p = o.payload ?? {};
    return this.create(o, TYPES.MSG_MERGER, {
      title: p.title ?? '', abstractList: p.abstractList ?? [], compatibleText: p.compatibleText ?? '',
      messageList: p.messageList ?? [],
    });
  }

  createForwardMessage(o: Payload): TimMessage {
    const src: TimMessage = o.payload;
    const m = draftMessage(this.me, o.to, o.conversationType, src._elements ?? [{ type: src.type, payload: src.payload }], o);
    m._body = src._body?.length ? src._body : m._body; // forwarded as stored (a merger keeps its key)
    return m;
  }

  // ---- sending and the message list ----

  async sendMessage(message: TimMessage, options: Payload = {}): Promise<ChatResponse<{ message: TimMessage }>> {
    message.status = 'unSend';
    try {
      const r = await this.client.call('sendMessage', sendRequest(message, options), true);
      message.ID = r.msgID;
      message.sequence = r.seq;
      message.time = r.timestamp;
      message.random = r.random;
      message.status = 'success';
      this.remember(`sent:${r.msgID}`);
      this.cursors.set(r.msgID, r.seq);
      const conv = convIdToChatd(message.conversationID);
      if (r.seq && (this.lastSeq.get(conv) ?? 0) < r.seq) this.lastSeq.set(conv, r.seq);
      return { code: 0, data: { message } };
    } catch (e) {
      message.status = 'fail';
      throw { ...fail(e), data: { message } };
    }
  }

  /** The same message again: the same random, so chatd stores it once. */
  resendMessage(message: TimMessage): Promise<ChatResponse<{ message: TimMessage }>> {
    message.isResend = true;
    return this.sendMessage(message);
  }

  async getMessageList({ conversationID, nextReqMessageID, count = 15 }: Payload): Promise<ChatResponse> {
    const body: Payload = { conversationID: convIdToChatd(conversationID), count: Math.min(count, 100) };
    if (nextReqMessageID) {
      const seq = this.cursors.get(nextReqMessageID);
      if (seq === undefined) throw { code: 2200 + 19, message: 'nextReqMessageID is not a message of a page this client read' };
      body.lastMsgSeq = seq;
    }
    return this.run('getHistoryMessageList', body, (b) => {
      const list = [...b.messageList].reverse(); // oldest first, as the Web SDK lists
      for (const m of list) this.track(m);
      const messageList = list.map((m: Payload) => messageToTim(m, this.me));
      return {
        messageList,
        nextReqMessageID: messageList[0]?.ID ?? '',
        isCompleted: b.messageList.length < body.count || messageList[0]?.sequence === 1,
      };
    });
  }

  revokeMessage(message: TimMessage): Promise<ChatResponse> {
    return this.run('revokeMessage', { msgID: message.ID }, () => {
      message.isRevoked = true;
      return { message };
    });
  }

  modifyMessage(message: TimMessage): Promise<ChatResponse> {
    const body: Payload = { msgID: message.ID, msgBody: [elemToChatd(message.type, message.payload)] };
    if (message.cloudCustomData) body.cloudCustomData = message.cloudCustomData;
    return this.run('modifyMessage', body, (b) => ({ message: messageToTim(b.message, this.me) }));
  }

  deleteMessage(messageList: TimMessage[]): Promise<ChatResponse> {
    return this.run('deleteMessages', { msgIDList: messageList.map((m) => m.ID) }, () => ({ messageList }));
  }

  setMessageRead({ conversationID }: { conversationID: string }): Promise<ChatResponse> {
    return this.run('cleanConversationUnreadMessageCount', { conversationID: convIdToChatd(conversationID) }, () => ({}));
  }

  sendMessageReadReceipt(messageList: TimMessage[]): Promise<ChatResponse> {
    return this.run('sendMessageReadReceipts', { msgIDs: messageList.map((m) => m.ID) }, () => ({}));
  }

  getMessageReadReceiptList(messageList: TimMessage[]): Promise<ChatResponse> {
    return this.run('getMessageReadReceipts', { msgIDs: messageList.map((m) => m.ID) }, (b) => ({
      messageList: messageList.map((m) => {
        const r = b.receiptList.find((x: Payload) => x.msgID === m.ID);
        if (r) m.readReceiptInfo = { readCount: r.readCount, unreadCount: r.unreadCount, isPeerRead: r.isPeerRead };
        return m;
      }),
    }));
  }

  findMessage(messageID: string): Promise<ChatResponse> {
    return this.run('findMessages', { msgIDs: [messageID] }, (b) => b.messageList[0] ? messageToTim(b.messageList[0], this.me) : null);
  }

  /** Tencent's searchCloudMessages, served by chatd's server-side search (the same for every
   * device): keywordList, keywordListMatchType ('or' | 'and'), senderUserIDList,
   * messageTypeList (TYPES.MSG_*), conversationID, timePosition, timePeriod, cursor →
   * {totalCount, cursor, searchResultList: [{conversationID, messageCount, messageList}]}. */
  searchCloudMessages(options: Payload = {}): Promise<ChatResponse> {
    const types = ['TIMTextElem', 'TIMCustomElem', 'TIMImageElem', 'TIMSoundElem', 'TIMVideoFileElem',
      'TIMFileElem', 'TIMLocationElem', 'TIMFaceElem', 'TIMGroupTipElem', 'TIMRelayElem'];
    const param: Payload = {
      keywordList: options.keywordList,
      keywordListMatchType: options.keywordListMatchType === 'and' ? 1 : 0,
      senderUserIDList: options.senderUserIDList,
      messageTypeList: options.messageTypeList?.map((t: string) => types.indexOf(t) + 1),
      conversationID: options.conversationID ? convIdToChatd(options.conversationID) : undefined,
      searchTimePosition: options.timePosition,
      searchTimePeriod: options.timePeriod,
      searchCursor: options.cursor,
    };
    return this.run('searchCloudMessages', { searchParam: param }, (b) => ({
      totalCount: b.totalCount,
      cursor: b.searchCursor,
      searchResultList: b.messageSearchResultItems.map((i: Payload) => ({
        conversationID: convIdToTim(i.conversationID),
        messageCount: i.messageCount,
        messageList: i.messageList.map((m: Payload) => messageToTim(m, this.me)),
      })),
    }));
  }

  downloadMergerMessage(message: TimMessage): Promise<ChatResponse> {
    if (message.payload.messageList?.length || !message.payload.downloadKey) {
      return Promise.resolve({ code: 0, data: message });
    }
    return this.run('downloadMergerMessage', { jsonMsgKey: message.payload.downloadKey }, (b) => {
      message.payload.messageList = b.msgList.map(relayToTim);
      return message;
    });
  }

  // ---- conversations ----

  getConversationList(options?: Payload): Promise<ChatResponse> {
    let list = this.sortedConversations();
    if (Array.isArray(options)) list = list.filter((c) => options.includes(c.conversationID));
    else if (options?.type) list = list.filter((c) => c.type === options.type);
    return Promise.resolve({ code: 0, data: { conversationList: list, isSyncCompleted: true } });
  }

  getConversationProfile(conversationID: string): Promise<ChatResponse> {
    return this.run('getConversation', { conversationID: convIdToChatd(conversationID) },
      (b) => ({ conversation: conversationToTim(b.conversation, this.me) }));
  }

  getTotalUnreadMessageCount(): number {
    return this.totalUnread;
  }

  async deleteConversation(arg: string | { conversationIDList: string[]; clearHistoryMessage?: boolean }): Promise<ChatResponse> {
    const ids = typeof arg === 'string' ? [arg] : arg.conversationIDList;
    const clear = typeof arg === 'string' ? true : arg.clearHistoryMessage !== false;
    const r = await this.run<Payload>('deleteConversationList', { conversationIDList: ids.map(convIdToChatd), clearMessage: clear });
    const results: Payload[] = r.data.resultList ?? [];
    const deleted = ids.filter((id) => !results.find((x) => convIdToTim(x.conversationID) === id)?.resultCode);
    for (const id of deleted) this.conversations.delete(id);
    this.emitConversations();
    const failed = results.filter((x) => x.resultCode);
    if (deleted.length === 0 && failed.length) throw { code: failed[0].resultCode, message: failed[0].resultInfo };
    if (typeof arg === 'string') return { code: 0, data: { conversationID: arg } };
    return { code: 0, data: { conversationIDList: deleted } };
  }

  clearHistoryMessage(conversationID: string): Promise<ChatResponse> {
    const id = convIdToChatd(conversationID);
    return id.startsWith('c2c_')
      ? this.run('clearC2CHistoryMessage', { userID: id.slice(4) }, () => ({}))
      : this.run('clearGroupHistoryMessage', { groupID: id.slice(6) }, () => ({}));
  }

  pinConversation({ conversationID, isPinned }: Payload): Promise<ChatResponse> {
    return this.run('pinConversation', { conversationID: convIdToChatd(conversationID), isPinned }, () => ({ conversationID }));
  }

  setConversationDraft({ conversationID, draftText }: Payload): Promise<ChatResponse> {
    return this.run('setConversationDraft', { conversationID: convIdToChatd(conversationID), draftText }, () => ({}));
  }

  setConversationCustomData({ conversationIDList, customData }: Payload): Promise<ChatResponse> {
    return this.run('setConversationCustomData', { conversationIDList: conversationIDList.map(convIdToChatd), customData },
      (b) => ({ successConversationIDList: okIds(b), failureConversationIDList: failedIds(b) }));
  }

  markConversation({ conversationIDList, markType, enableMark }: Payload): Promise<ChatResponse> {
    return this.run('markConversation', { conversationIDList: conversationIDList.map(convIdToChatd), markType, enableMark },
      (b) => ({ successConversationIDList: okIds(b), failureConversationIDList: failedIds(b) }));
  }

  getConversationGroupList(): Promise<ChatResponse> {
    return this.run('getConversationGroupList', {}, (b) => b.groupList);
  }

  createConversationGroup({ groupName, conversationIDList }: Payload): Promise<ChatResponse> {
    return this.run('createConversationGroup', { groupName, conversationIDList: (conversationIDList ?? []).map(convIdToChatd) }, () => ({}));
  }

  deleteConversationGroup(groupName: string): Promise<ChatResponse> {
    return this.run('deleteConversationGroup', { groupName }, () => ({}));
  }

  renameConversationGroup({ oldName, newName }: Payload): Promise<ChatResponse> {
    return this.run('renameConversationGroup', { oldName, newName }, () => ({}));
  }

  addConversationsToGroup({ groupName, conversationIDList }: Payload): Promise<ChatResponse> {
    return this.run('addConversationsToGroup', { groupName, conversationIDList: conversationIDList.map(convIdToChatd) }, () => ({}));
  }

  deleteConversationsFromGroup({ groupName, conversationIDList }: Payload): Promise<ChatResponse> {
    return this.run('deleteConversationsFromGroup', { groupName, conversationIDList: conversationIDList.map(convIdToChatd) }, () => ({}));
  }

  setMessageRemindType(o: Payload): Promise<ChatResponse> {
    const opt = remindToRecvOpt(o.messageRemindType);
    return o.groupID
      ? this.run('setGroupReceiveMessageOpt', { groupID: o.groupID, opt }, () => ({}))
      : this.run('setC2CReceiveMessageOpt', { userIDList: o.userIDList, opt }, () => ({}));
  }

  // ---- groups ----

  createGroup(o: Payload): Promise<ChatResponse> {
    const body: Payload = { groupType: groupTypeToChatd(o.type ?? TYPES.GRP_WORK), groupName: o.name };
    if (o.groupID) body.groupID = o.groupID;
    for (const k of ['introduction', 'notification']) if (o[k] !== undefined) body[k] = o[k];
    if (o.avatar !== undefined) body.faceUrl = o.avatar;
    const join = joinOptionToChatd(o.joinOption);
    if (join !== undefined) body.groupAddOpt = join;
    if (o.memberList) body.memberList = o.memberList.map((m: Payload) => ({ userID: m.userID, role: m.role ? roleToChatd(m.role) : 200 }));
    if (o.groupCustomField) body.customInfo = Object.fromEntries(o.groupCustomField.map((f: Payload) => [f.key, f.value]));
    if (o.isSupportTopic !== undefined) body.isSupportTopic = !!o.isSupportTopic;
    return this.run('createGroup', body, (b) => ({ group: { groupID: b.groupID, name: o.name, type: o.type ?? TYPES.GRP_WORK } }));
  }

  joinGroup({ groupID, applyMessage }: Payload): Promise<ChatResponse> {
    return this.run('joinGroup', { groupID, message: applyMessage ?? '' },
      (b) => ({ status: b.pending ? TYPES.JOIN_STATUS_WAIT_APPROVAL : TYPES.JOIN_STATUS_SUCCESS, group: { groupID } }));
  }

  quitGroup(groupID: string): Promise<ChatResponse> { return this.run('quitGroup', { groupID }, () => ({ groupID })); }
  dismissGroup(groupID: string): Promise<ChatResponse> { return this.run('dismissGroup', { groupID }, () => ({ groupID })); }

  getGroupList(): Promise<ChatResponse> {
    return this.run('getJoinedGroupList', {}, (b) => ({ groupList: (b.groupList ?? []).map(groupToTim) }));
  }

  getGroupProfile({ groupID }: Payload): Promise<ChatResponse> {
    return this.run('getGroupsInfo', { groupIDList: [groupID] }, (b) => {
      const r = b.groupInfoResultList[0];
      if (r.resultCode) throw new ChatdError(r.resultCode, r.resultMessage);
      return { group: groupToTim(r.groupInfo) };
    });
  }

  updateGroupProfile(o: Payload): Promise<ChatResponse> {
    const body: Payload = { groupID: o.groupID };
    if (o.name !== undefined) body.groupName = o.name;
    if (o.avatar !== undefined) body.faceUrl = o.avatar;
    for (const k of ['introduction', 'notification']) if (o[k] !== undefined) body[k] = o[k];
    if (o.muteAllMembers !== undefined) body.isAllMuted = o.muteAllMembers;
    const join = joinOptionToChatd(o.joinOption);
    if (join !== undefined) body.groupAddOpt = join;
    if (o.groupCustomField) body.customInfo = Object.fromEntries(o.groupCustomField.map((f: Payload) => [f.key, f.value]));
    return this.run('setGroupInfo', body, () => ({ group: { groupID: o.groupID } }));
  }

  getGroupMemberList({ groupID, count = 15, offset = 0 }: Payload): Promise<ChatResponse> {
    return this.run('getGroupMemberList', { groupID, count: Math.min(count, 100), nextSeq: String(offset) },
      (b) => ({ memberList: b.memberInfoList.map(memberToTim), offset: Number(b.nextSeq) }));
  }

  getGroupMemberProfile({ groupID, userIDList }: Payload): Promise<ChatResponse> {
    return this.run('getGroupMembersInfo', { groupID, memberList: userIDList }, (b) => ({ memberList: b.memberInfoList.map(memberToTim) }));
  }

  addGroupMember({ groupID, userIDList }: Payload): Promise<ChatResponse> {
    return this.run('inviteUserToGroup', { groupID, userList: userIDList }, (b) => ({
      successUserIDList: b.resultList.filter((r: Payload) => r.result === 1).map((r: Payload) => r.memberID),
      failureUserIDList: b.resultList.filter((r: Payload) => r.result === 0 || r.result === 4).map((r: Payload) => r.memberID),
      existedUserIDList: b.resultList.filter((r: Payload) => r.result === 2).map((r: Payload) => r.memberID),
      group: { groupID },
    }));
  }

  deleteGroupMember({ groupID, userIDList, reason }: Payload): Promise<ChatResponse> {
    return this.run('kickGroupMember', { groupID, memberList: userIDList, reason: reason ?? '' }, () => ({ group: { groupID }, userIDList }));
  }

  setGroupMemberRole({ groupID, userID, role }: Payload): Promise<ChatResponse> {
    return this.run('setGroupMemberRole', { groupID, userID, role: roleToChatd(role) }, () => ({ group: { groupID } }));
  }

  setGroupMemberMuteTime({ groupID, userID, muteTime }: Payload): Promise<ChatResponse> {
    return this.run('muteGroupMember', { groupID, userID, seconds: muteTime }, () => ({ group: { groupID } }));
  }

  setGroupMemberNameCard({ groupID, userID, nameCard }: Payload): Promise<ChatResponse> {
    return this.run('setGroupMemberInfo', { groupID, userID: userID ?? this.me, nameCard }, () => ({ group: { groupID } }));
  }

  setGroupMemberCustomField({ groupID, userID, memberCustomField }: Payload): Promise<ChatResponse> {
    return this.run('setGroupMemberInfo', {
      groupID, userID: userID ?? this.me,
      customInfo: Object.fromEntries(memberCustomField.map((f: Payload) => [f.key, f.value])),
    }, () => ({ group: { groupID } }));
  }

  changeGroupOwner({ groupID, newOwnerID }: Payload): Promise<ChatResponse> {
    return this.run('transferGroupOwner', { groupID, userID: newOwnerID }, () => ({ group: { groupID } }));
  }

  markGroupMemberList({ groupID, userIDList, markType, enableMark }: Payload): Promise<ChatResponse> {
    return this.run('markGroupMemberList', { groupID, memberIDList: userIDList, markType, enableMark }, () => ({}));
  }

  getGroupOnlineMemberCount(groupID: string): Promise<ChatResponse> {
    return this.run('getGroupOnlineMemberCount', { groupID }, (b) => ({ memberCount: b.count }));
  }

  setGroupCounters({ groupID, counters }: Payload): Promise<ChatResponse> {
    return this.run('setGroupCounters', { groupID, counters }, (b) => ({ groupID, counters: b.counters }));
  }

  getGroupCounters({ groupID, keyList }: Payload): Promise<ChatResponse> {
    const body: Payload = { groupID };
    if (keyList && keyList.length > 0) body.keyList = keyList;
    return this.run('getGroupCounters', body, (b) => ({ groupID, counters: b.counters }));
  }

  increaseGroupCounter({ groupID, key, value }: Payload): Promise<ChatResponse> {
    return this.run('increaseGroupCounter', { groupID, key, value }, (b) => ({ groupID, key, value: b.counters[key] }));
  }

  decreaseGroupCounter({ groupID, key, value }: Payload): Promise<ChatResponse> {
    return this.run('decreaseGroupCounter', { groupID, key, value }, (b) => ({ groupID, key, value: b.counters[key] }));
  }

  // ---- Community topics: a topic's conversation is GROUP<topicID> ----

  getJoinedCommunityList(): Promise<ChatResponse> {
    return this.run('getJoinedCommunityList', {}, (b) => ({ groupList: (b.groupList ?? []).map(groupToTim) }));
  }

  createTopicInCommunity(o: Payload): Promise<ChatResponse> {
    return this.run('createTopicInCommunity', { groupID: o.groupID, topicInfo: topicToChatd(o) }, (b) => ({ topicID: b.topicID }));
  }

  deleteTopicFromCommunity({ groupID, topicIDList }: Payload): Promise<ChatResponse> {
    return this.run('deleteTopicFromCommunity', { groupID, topicIDList }, (b) => ({
      successTopicList: b.resultList.filter((r: Payload) => !r.errorCode).map((r: Payload) => ({ topicID: r.topicID })),
      failureTopicList: b.resultList.filter((r: Payload) => r.errorCode)
        .map((r: Payload) => ({ topicID: r.topicID, code: r.errorCode, message: r.errorMessage })),
    }));
  }

  updateTopicProfile(o: Payload): Promise<ChatResponse> {
    return this.run('setTopicInfo', { groupID: o.groupID, topicInfo: { topicID: o.topicID, ...topicToChatd(o) } },
      () => ({ topic: { topicID: o.topicID } }));
  }

  getTopicList({ groupID, topicIDList }: Payload): Promise<ChatResponse> {
    return this.run('getTopicInfoList', { groupID, topicIDList: topicIDList ?? [] }, (b) => ({
      successTopicList: b.resultList.filter((r: Payload) => !r.errorCode).map((r: Payload) => topicToTim(r.topicInfo)),
      failureTopicList: b.resultList.filter((r: Payload) => r.errorCode)
        .map((r: Payload) => ({ topicID: r.topicInfo.topicID, code: r.errorCode, message: r.errorMessage })),
    }));
  }

  getGroupApplicationList(): Promise<ChatResponse> {
    return this.run('getGroupApplicationList', {}, (b) => ({ applicationList: b.groupApplicationList, unreadCount: b.unreadCount }));
  }

  handleGroupApplication({ handleAction, handleMessage, application }: Payload): Promise<ChatResponse> {
    const cmd = handleAction === 'Agree' ? 'acceptGroupApplication' : 'refuseGroupApplication';
    return this.run(cmd, { groupID: application.groupID, fromUser: application.fromUser, toUser: application.toUser,
      type: application.type, reason: handleMessage ?? '' }, () => ({ group: { groupID: application.groupID } }));
  }

  initGroupAttributes({ groupID, groupAttributes }: Payload): Promise<ChatResponse> {
    return this.run('initGroupAttributes', { groupID, attributes: groupAttributes }, () => ({ groupAttributes }));
  }

  setGroupAttributes({ groupID, groupAttributes }: Payload): Promise<ChatResponse> {
    return this.run('setGroupAttributes', { groupID, attributes: groupAttributes }, () => ({ groupAttributes }));
  }

  deleteGroupAttributes({ groupID, keyList }: Payload): Promise<ChatResponse> {
    return this.run('deleteGroupAttributes', { groupID, keys: keyList ?? [] }, () => ({ keyList }));
  }

  getGroupAttributes({ groupID, keyList }: Payload): Promise<ChatResponse> {
    return this.run('getGroupAttributes', { groupID, keys: keyList ?? [] }, (b) => ({ groupAttributes: b.groupAttributeMap }));
  }

  // ---- profiles and status ----

  getMyProfile(): Promise<ChatResponse> {
    return this.run('getUsersInfo', { userIDList: [this.me] }, (b) => profileToTim(b[0] ?? { userID: this.me }));
  }

  getUserProfile({ userIDList }: Payload): Promise<ChatResponse> {
    return this.run('getUsersInfo', { userIDList }, (b) => b.map(profileToTim));
  }

  updateMyProfile(o: Payload): Promise<ChatResponse> {
    return this.run('setSelfInfo', profileToChatd(o), () => ({}));
  }

  setSelfStatus({ customStatus }: Payload): Promise<ChatResponse> {
    return this.run('setSelfStatus', { customStatus }, () => ({}));
  }

  getUserStatus({ userIDList }: Payload): Promise<ChatResponse> {
    return this.run('getUserStatus', { userIDList }, (b) => ({ successUserList: b }));
  }

  subscribeUserStatus({ userIDList }: Payload): Promise<ChatResponse> {
    return this.run('subscribeUserStatus', { userIDList }, (b) => ({ failureUserList: b.failedUserIDList }));
  }

  unsubscribeUserStatus({ userIDList }: Payload): Promise<ChatResponse> {
    return this.run('unsubscribeUserStatus', { userIDList }, (b) => ({ failureUserList: b.failedUserIDList }));
  }

  // ---- friends and the blocklist ----

  private friendToTim(f: Payload): Payload {
    return { userID: f.userID, remark: f.friendRemark ?? '', groupList: f.friendGroups ?? [], profile: f.userProfile ? profileToTim(f.userProfile) : { userID: f.userID } };
  }

  getFriendList(): Promise<ChatResponse> {
    return this.run('getFriendList', {}, (b) => (b.friendList ?? b).map((f: Payload) => this.friendToTim(f)));
  }

  addFriend({ to, source, wording, type, remark, groupName }: Payload): Promise<ChatResponse> {
    const body: Payload = { userID: to, addType: type === TYPES.SNS_ADD_TYPE_SINGLE ? 1 : 2 };
    if (source) body.addSource = source;
    if (wording) body.addWording = wording;
    if (remark) body.friendRemark = remark;
    if (groupName) body.friendGroup = groupName;
    return this.run('addFriend', body, (b) => b);
  }

  deleteFriend({ userIDList, type }: Payload): Promise<ChatResponse> {
    return this.run('deleteFromFriendList', { userIDList, deleteType: type === TYPES.SNS_DELETE_TYPE_SINGLE ? 1 : 2 }, (b) => b);
  }

  checkFriend({ userIDList, type }: Payload): Promise<ChatResponse> {
    return this.run('checkFriend', { userIDList, checkType: type === TYPES.SNS_CHECK_TYPE_SINGLE ? 1 : 2 }, (b) => b);
  }

  getBlacklist(): Promise<ChatResponse> {
    return this.run('getBlackList', {}, (b) => (b.blackList ?? b).map((u: Payload) => u.userID ?? u));
  }

  addToBlacklist({ userIDList }: Payload): Promise<ChatResponse> {
    return this.run('addToBlackList', { userIDList }, (b) => b);
  }

  removeFromBlacklist({ userIDList }: Payload): Promise<ChatResponse> {
    return this.run('deleteFromBlackList', { userIDList }, (b) => b);
  }

  getFriendApplicationList(): Promise<ChatResponse> {
    return this.run('getFriendApplicationList', {}, (b) => b);
  }

  // ---- extensions and reactions ----

  setMessageExtensions(message: TimMessage, extensions: Payload[]): Promise<ChatResponse> {
    return this.run('setMessageExtensions', { msgID: message.ID, extensions: extensions.map((e) => ({ extensionKey: e.key, extensionValue: e.value })) },
      (b) => ({ extensions: b.map((r: Payload) => ({ key: r.extension.extensionKey, value: r.extension.extensionValue, code: r.resultCode })) }));
  }

  getMessageExtensions(message: TimMessage): Promise<ChatResponse> {
    return this.run('getMessageExtensions', { msgID: message.ID },
      (b) => ({ extensions: b.map((e: Payload) => ({ key: e.extensionKey, value: e.extensionValue })), isCompleted: true }));
  }

  deleteMessageExtensions(message: TimMessage, keyList?: string[]): Promise<ChatResponse> {
    return this.run('deleteMessageExtensions', { msgID: message.ID, keys: keyList ?? [] }, (b) => b);
  }

  addMessageReaction(message: TimMessage, reactionID: string): Promise<ChatResponse> {
    return this.run('addMessageReaction', { msgID: message.ID, reactionID }, () => ({}));
  }

  removeMessageReaction(message: TimMessage, reactionID: string): Promise<ChatResponse> {
    return this.run('removeMessageReaction', { msgID: message.ID, reactionID }, () => ({}));
  }

  getMessageReactions({ messageList, maxUserNumPerReaction }: Payload): Promise<ChatResponse> {
    return this.run('getMessageReactions', { msgIDList: messageList.map((m: TimMessage) => m.ID), maxUserCountPerReaction: maxUserNumPerReaction ?? 10 },
      (b) => ({ resultList: b }));
  }

  getAllUserListOfMessageReaction({ message, reactionID, nextSeq = 0, count = 100 }: Payload): Promise<ChatResponse> {
    return this.run('getAllUserListOfMessageReaction', { msgID: message.ID, reactionID, nextSeq, count },
      (b) => ({ userList: b.userList.map((u: Payload) => ({ userID: u.userID, nick: u.nickName ?? '', avatar: u.faceUrl ?? '' })),
        nextSeq: b.nextSeq, isCompleted: b.isFinished }));
  }

  getGroupMessageReadMemberList({ message, filter = 0, cursor = '', count = 100 }: Payload): Promise<ChatResponse> {
    return this.run('getGroupMessageReadMemberList', { msgID: message.ID, filter, nextSeq: Number(cursor || 0), count },
      (b) => ({ messageID: message.ID, readUserIDList: filter === 0 ? b.memberList : [],
        unreadUserIDList: filter === 1 ? b.memberList : [], cursor: String(b.nextSeq), isCompleted: b.isFinished }));
  }

  /** Older or newer messages from a sequence (chatd's getHistoryMessageListV2). */
  getMessageListHopping({ conversationID, sequence = 0, time = 0, count = 15, direction = 0 }: Payload): Promise<ChatResponse> {
    const body: Payload = { conversationID: convIdToChatd(conversationID), count: Math.min(count, 100), getType: direction === 1 ? 2 : 1 };
    if (sequence) body.lastMsgSeq = sequence;
    if (time) body.getTimeBegin = time;
    return this.run('getHistoryMessageListV2', body, (b) => {
      for (const m of b.messageList) this.track(m);
      const list = b.messageList.map((m: Payload) => messageToTim(m, this.me));
      return { messageList: direction === 1 ? list : list.reverse(), isCompleted: b.messageList.length < body.count };
    });
  }

  setAllMessageRead({ scope }: Payload = {}): Promise<ChatResponse> {
    const id = scope === TYPES.CONV_C2C ? 'c2c' : scope === TYPES.CONV_GROUP ? 'group' : '';
    return this.run('cleanConversationUnreadMessageCount', { conversationID: id }, () => ({}));
  }

  setGroupApplicationRead(): Promise<ChatResponse> {
    return this.run('setGroupApplicationRead', {}, () => ({}));
  }

  getFriendProfile({ userIDList }: Payload): Promise<ChatResponse> {
    return this.run('getFriendsInfo', { userIDList }, (b) => ({
      friendList: b.filter((r: Payload) => !r.resultCode && r.relation).map((r: Payload) => this.friendToTim(r.friendInfo)),
      failureUserIDList: b.filter((r: Payload) => r.resultCode || !r.relation).map((r: Payload) => ({ userID: r.friendInfo?.userID, code: r.resultCode, message: r.resultInfo })),
    }));
  }

  updateFriend({ userID, remark, friendCustomField }: Payload): Promise<ChatResponse> {
    const body: Payload = { userID };
    if (remark !== undefined) body.friendRemark = remark;
    if (friendCustomField) body.friendCustomInfo = Object.fromEntries(friendCustomField.map((f: Payload) => [f.key.replace(/^Tag_SNS_Custom_/, ''), f.value]));
    return this.run('setFriendInfo', body, () => ({}));
  }

  acceptFriendApplication({ userID, remark, tag, type }: Payload): Promise<ChatResponse> {
    const body: Payload = { userID, responseType: type === 'Response_Action_Agree' ? 0 : 1 };
    if (remark) body.friendRemark = remark;
    if (tag) body.friendGroup = tag;
    return this.run('acceptFriendApplication', body, (b) => b);
  }

  refuseFriendApplication({ userID }: Payload): Promise<ChatResponse> {
    return this.run('refuseFriendApplication', { userID }, (b) => b);
  }

  deleteFriendApplication({ userID, type }: Payload): Promise<ChatResponse> {
    return this.run('deleteFriendApplication', { userID, type: type === 'Pendency_Type_SendOut' ? 2 : 1 }, () => ({}));
  }

  setFriendApplicationRead(): Promise<ChatResponse> {
    return this.run('setFriendApplicationRead', {}, () => ({}));
  }

  getFriendGroupList(): Promise<ChatResponse> {
    return this.run('getFriendGroups', {}, (b) => b.map((g: Payload) => ({ name: g.name, count: g.friendCount, userIDList: g.friendIDList })));
  }

  createFriendGroup({ name, userIDList }: Payload): Promise<ChatResponse> {
    return this.run('createFriendGroup', { groupName: name, userIDList: userIDList ?? [] }, (b) => b);
  }

  deleteFriendGroup({ name }: Payload): Promise<ChatResponse> {
    return this.run('deleteFriendGroup', { groupNameList: [name] }, () => ({}));
  }

  addToFriendGroup({ name, userIDList }: Payload): Promise<ChatResponse> {
    return this.run('addFriendsToFriendGroup', { groupName: name, userIDList }, (b) => b);
  }

  removeFromFriendGroup({ name, userIDList }: Payload): Promise<ChatResponse> {
    return this.run('deleteFriendsFromFriendGroup', { groupName: name, userIDList }, (b) => b);
  }

  renameFriendGroup({ oldName, newName }: Payload): Promise<ChatResponse> {
    return this.run('renameFriendGroup', { oldName, newName }, () => ({}));
  }

  // ---- not served by chatd: a clear rejection, never a silent success ----

  searchCloudUsers(): Promise<never> { return unsupported('searchCloudUsers'); }
  searchCloudGroups(): Promise<never> { return unsupported('searchCloudGroups'); }
  searchGroupByID(): Promise<never> { return unsupported('searchGroupByID'); }
  translateText(): Promise<never> { return unsupported('translateText'); }
  convertVoiceToText(): Promise<never> { return unsupported('convertVoiceToText'); }
  callExperimentalAPI(): Promise<never> { return unsupported('callExperimentalAPI'); }
  searchCloudGroupMembers(): Promise<never> { return unsupported('searchCloudGroupMembers'); }
  followUser(): Promise<never> { return unsupported('followUser'); }
  unfollowUser(): Promise<never> { return unsupported('unfollowUser'); }
  getMyFollowersList(): Promise<never> { return unsupported('getMyFollowersList'); }
  getMyFollowingList(): Promise<never> { return unsupported('getMyFollowingList'); }
  getMutualFollowersList(): Promise<never> { return unsupported('getMutualFollowersList'); }
  getUserFollowInfo(): Promise<never> { return unsupported('getUserFollowInfo'); }
  checkFollowType(): Promise<never> { return unsupported('checkFollowType'); }
}

function okIds(b: Payload): string[] {
  return (b.resultList ?? []).filter((r: Payload) => !r.resultCode).map((r: Payload) => convIdToTim(r.conversationID));
}

function failedIds(b: Payload): Payload[] {
  return (b.resultList ?? []).filter((r: Payload) => r.resultCode)
    .map((r: Payload) => ({ conversationID: convIdToTim(r.conversationID), code: r.resultCode, message: r.resultInfo }));
}
