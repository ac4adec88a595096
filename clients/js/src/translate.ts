// The translation layer, in one file: Tencent Web SDK shapes ↔ chatd's protocol shapes.
// Conversation IDs (C2Cbob / GROUPx ↔ c2c_bob / group_x), messages (ID, type, payload, flow,
// status ↔ msgID, msgBody), conversations, groups, members, profiles and the receive options.
import { TYPES } from './types.js';

// ---- conversation IDs ----

/** Tencent's conversationID (C2Cbob, GROUPx) → chatd's (c2c_bob, group_x). */
export function convIdToChatd(id: string): string {
  if (id.startsWith('C2C')) return `c2c_${id.slice(3)}`;
  if (id.startsWith('GROUP')) return `group_${id.slice(5)}`;
  return id;
}

export function convIdToTim(id: string): string {
  if (id.startsWith('c2c_')) return `C2C${id.slice(4)}`;
  if (id.startsWith('group_')) return `GROUP${id.slice(6)}`;
  return id;
}

// ---- message elements: REST MsgContent ↔ the Web SDK's payload ----

type Payload = Record<string, any>;

const PAYLOAD: Record<string, [Record<string, string>, string]> = {
  // MsgType: [{payload key: MsgContent key}, Tencent TYPES value]
  TIMTextElem: [{ text: 'Text' }, TYPES.MSG_TEXT],
  TIMCustomElem: [{ data: 'Data', description: 'Desc', extension: 'Ext' }, TYPES.MSG_CUSTOM],
  TIMFaceElem: [{ index: 'Index', data: 'Data' }, TYPES.MSG_FACE],
  TIMLocationElem: [{ description: 'Desc', latitude: 'Latitude', longitude: 'Longitude' }, TYPES.MSG_GEO],
  TIMFileElem: [{ uuid: 'UUID', fileName: 'FileName', fileSize: 'FileSize', fileUrl: 'Url', downloadFlag: 'Download_Flag' }, TYPES.MSG_FILE],
  TIMSoundElem: [{ uuid: 'UUID', url: 'Url', size: 'Size', second: 'Second', downloadFlag: 'Download_Flag' }, TYPES.MSG_AUDIO],
  TIMVideoFileElem: [{
    videoUUID: 'VideoUUID', videoUrl: 'VideoUrl', videoSize: 'VideoSize', videoSecond: 'VideoSecond',
    videoFormat: 'VideoFormat', thumbUUID: 'ThumbUUID', thumbUrl: 'ThumbUrl', thumbSize: 'ThumbSize',
    thumbWidth: 'ThumbWidth', thumbHeight: 'ThumbHeight', thumbFormat: 'ThumbFormat',
  }, TYPES.MSG_VIDEO],
  TIMImageElem: [{ uuid: 'UUID', imageFormat: 'ImageFormat' }, TYPES.MSG_IMAGE],
  TIMRelayElem: [{ title: 'Title', abstractList: 'AbstractList', compatibleText: 'CompatibleText', downloadKey: 'JsonMsgKey' }, TYPES.MSG_MERGER],
  TIMGroupTipElem: [{}, TYPES.MSG_GRP_TIP],
};

const IMAGE_INFO: Record<string, string> = { type: 'Type', size: 'Size', width: 'Width', height: 'Height', url: 'URL' };

function rename(from: Payload, map: Record<string, string>, reverse: boolean): Payload {
  const out: Payload = {};
  for (const [sdk, rest] of Object.entries(map)) {
    const [src, dst] = reverse ? [rest, sdk] : [sdk, rest];
    if (from[src] !== undefined) out[dst] = from[src];
  }
  return out;
}

/** A REST element {MsgType, MsgContent} → {type, payload} of the Web SDK. */
export function elemToTim(el: { MsgType: string; MsgContent: Payload }): { type: string; payload: Payload } {
  const spec = PAYLOAD[el.MsgType];
  if (!spec) return { type: el.MsgType, payload: { ...el.MsgContent } };
  const c = el.MsgContent ?? {};
  const payload = el.MsgType === 'TIMGroupTipElem' ? { ...c } : rename(c, spec[0], true);
  if (el.MsgType === 'TIMImageElem') {
    payload.imageInfoArray = (c.ImageInfoArray ?? []).map((i: Payload) => rename(i, IMAGE_INFO, true));
  }
  if (el.MsgType === 'TIMRelayElem') {
    payload.messageList = (c.MsgList ?? []).map(relayToTim);
    payload.layersOverLimit = false;
  }
  return { type: spec[1], payload };
}

/** {type, payload} of the Web SDK → a REST element. */
export function elemToChatd(type: string, payload: Payload): { MsgType: string; MsgContent: Payload } {
  const entry = Object.entries(PAYLOAD).find(([, [, t]]) => t === type);
  if (!entry) throw new Error(`unknown message type ${type}`);
  const [msgType, [map]] = entry;
  const content = rename(payload, map, false);
  if (msgType === 'TIMImageElem') {
    content.ImageInfoArray = (payload.imageInfoArray ?? []).map((i: Payload) => rename(i, IMAGE_INFO, false));
  }
  if (msgType === 'TIMRelayElem' && payload.messageList) {
    content.MsgList = payload.messageList.map(relayToChatd);
    content.MsgNum = payload.messageList.length;
  }
  return { MsgType: msgType, MsgContent: content };
}

// A forwarded message inside a merger: REST item ↔ a light Web SDK message.
export function relayToTim(m: Payload): Payload {
  return {
    from: m.From_Account, to: m.To_Account ?? m.GroupId, time: m.MsgTimeStamp, sequence: m.MsgSeq,
    random: m.MsgRandom, cloudCustomData: m.CloudCustomData ?? '',
    conversationType: m.GroupId ? TYPES.CONV_GROUP : TYPES.CONV_C2C,
    messageBody: (m.MsgBody ?? []).map(elemToTim),
  };
}

function relayToChatd(m: Payload): Payload {
  const body = m.messageBody ?? (m._elements ? m._elements : [{ type: m.type, payload: m.payload }]);
  const out: Payload = {
    From_Account: m.from, MsgTimeStamp: m.time, MsgSeq: m.sequence, MsgRandom: m.random,
    MsgBody: body.map((e: Payload) => elemToChatd(e.type, e.payload)),
    CloudCustomData: m.cloudCustomData ?? '',
  };
  if (m.conversationType === TYPES.CONV_GROUP) out.GroupId = m.to;
  else out.To_Account = m.to;
  return out;
}

// ---- messages ----

export interface TimMessage {
  ID: string;
  conversationID: string;
  conversationType: string;
  to: string;
  from: string;
  flow: 'in' | 'out';
  time: number;
  sequence: number;
  random: number;
  status: 'unSend' | 'success' | 'fail';
  type: string;
  payload: Payload;
  priority: string;
  cloudCustomData: string;
  isRevoked: boolean;
  isModified: boolean;
  isPeerRead: boolean;
  isRead: boolean;
  isResend: boolean;
  isSupportExtension: boolean;
  needReadReceipt: boolean;
  readReceiptInfo: Payload;
  atUserList: string[];
  nick: string;
  avatar: string;
  nameCard: string;
  protocol: 'JSON';
  _elements: { type: string; payload: Payload }[];
  _body: { MsgType: string; MsgContent: Payload }[];
  [key: string]: any;
}

/** chatd's message object → the Web SDK's Message, as `me` sees it. */
export function messageToTim(m: Payload, me: string): TimMessage {
  const group = !!m.groupID;
  const elements = (m.msgBody ?? []).map(elemToTim);
  const first = elements[0] ?? { type: TYPES.MSG_TEXT, payload: { text: '' } };
  const conversationID = group ? `GROUP${m.groupID}` : `C2C${m.sender === me ? m.receiver : m.sender}`;
  return {
    ID: m.msgID,
    conversationID,
    conversationType: group ? TYPES.CONV_GROUP : TYPES.CONV_C2C,
    to: group ? m.groupID : m.receiver,
    from: m.sender,
    flow: m.sender === me ? 'out' : 'in',
    time: m.timestamp,
    sequence: m.seq,
    random: m.random,
    status: 'success',
    type: first.type, // a recalled message keeps its type; isRevoked says it is gone
    payload: first.payload,
    priority: m.priority ?? TYPES.MSG_PRIORITY_NORMAL,
    cloudCustomData: m.cloudCustomData ?? '',
    isRevoked: !!m.isRevoked,
    isModified: !!m.isModified,
    isPeerRead: !!m.isPeerRead,
    isRead: m.sender === me || !!m.isRead,
    isResend: false,
    isSupportExtension: !!m.supportMessageExtension,
    needReadReceipt: !!m.needReadReceipt,
    readReceiptInfo: { readCount: m.readCount ?? 0, unreadCount: m.unreadCount ?? 0, isPeerRead: !!m.isPeerRead },
    atUserList: m.groupAtUserList ?? [],
    nick: m.nickName ?? '',
    avatar: m.faceUrl ?? '',
    nameCard: m.nameCard ?? '',
    protocol: 'JSON',
    onlineOnlyFlag: !!m.onlineUserOnly,
    _elements: elements,
    _body: m.msgBody ?? [],
  };
}

/** A message the app created and has not sent yet (status unSend). */
export function draftMessage(me: string, to: string, conversationType: string,
  elements: { type: string; payload: Payload }[], options: Payload = {}): TimMessage {
  const group = conversationType === TYPES.CONV_GROUP;
  return {
    ID: `${me}-${Date.now()}-${Math.floor(Math.random() * 1e9)}`,
    conversationID: group ? `GROUP${to}` : `C2C${to}`,
    conversationType,
    to,
    from: me,
    flow: 'out',
    time: Math.floor(Date.now() / 1000),
    sequence: 0,
    random: Math.floor(Math.random() * 2 ** 32),
    status: 'unSend',
    type: elements[0].type,
    payload: elements[0].payload,
    priority: options.priority ?? TYPES.MSG_PRIORITY_NORMAL,
    cloudCustomData: options.cloudCustomData ?? '',
    isRevoked: false,
    isModified: false,
    isPeerRead: false,
    isRead: true,
    isResend: false,
    isSupportExtension: !!options.isSupportExtension,
    needReadReceipt: !!options.needReadReceipt,
    readReceiptInfo: {},
    atUserList: options.atUserList ?? [],
    nick: '',
    avatar: '',
    nameCard: '',
    protocol: 'JSON',
    _elements: elements,
    _body: elements.map((e) => elemToChatd(e.type, e.payload)),
  };
}

/** The sendMessage request of a created message. */
export function sendRequest(m: TimMessage, options: Payload = {}): Payload {
  const body: Payload = { msgBody: m._body, random: m.random };
  if (m.conversationType === TYPES.CONV_GROUP) {
    body.groupID = m.to;
    if (m.atUserList.length) body.groupAtUserList = m.atUserList;
    if (m.priority !== TYPES.MSG_PRIORITY_NORMAL) body.priority = m.priority;
  } else {
    body.receiver = m.to;
  }
  if (m.cloudCustomData) body.cloudCustomData = m.cloudCustomData;
  if (m.needReadReceipt) body.needReadReceipt = true;
  if (m.isSupportExtension) body.supportMessageExtension = true;
  if (options.onlineUserOnly) body.onlineUserOnly = true;
  if (options.offlinePushInfo) body.offlinePushInfo = options.offlinePushInfo;
  return body;
}

// ---- conversations ----

export function conversationToTim(c: Payload, me: string): Payload {
  const group = c.type === 2;
  const last = c.lastMessage ? messageToTim(c.lastMessage, me) : null;
  return {
    conversationID: convIdToTim(c.conversationID),
    type: group ? TYPES.CONV_GROUP : TYPES.CONV_C2C,
    unreadCount: c.unreadCount ?? 0,
    lastMessage: last ? {
      lastTime: last.time, lastSequence: last.sequence, fromAccount: last.from, type: last.type,
      payload: last.payload, isRevoked: last.isRevoked, isPeerRead: last.isPeerRead,
      messageForShow: messageForShow(last), cloudCustomData: last.cloudCustomData, nick: last.nick,
      nameCard: last.nameCard, onlineOnlyFlag: false,
    } : {},
    userProfile: group ? undefined : { userID: c.userID, nick: c.showName ?? c.userID, avatar: c.faceUrl ?? '' },
    groupProfile: group ? { groupID: c.groupID, name: c.showName ?? c.groupID, avatar: c.faceUrl ?? '' } : undefined,
    groupAtInfoList: c.groupAtInfoList ?? [],
    remark: '',
    isPinned: !!c.isPinned,
    messageRemindType: RECV_OPT_TO_REMIND[c.recvOpt ?? 0] ?? TYPES.MSG_REMIND_ACPT_AND_NOTE,
    markList: c.markList ?? [],
    customData: c.customData ?? '',
    conversationGroupList: c.conversationGroupList ?? [],
    draftText: c.draftText ?? '',
    orderKey: c.orderKey ?? 0,
    peerReadTime: c.c2cReadTimestamp ?? 0,
  };
}

/** The short text a conversation list shows for its last message. */
export function messageForShow(m: TimMessage): string {
  if (m.isRevoked) return '[recalled]';
  switch (m.type) {
    case TYPES.MSG_TEXT: return m.payload.text ?? '';
    case TYPES.MSG_IMAGE: return '[image]';
    case TYPES.MSG_AUDIO: return '[voice]';
    case TYPES.MSG_VIDEO: return '[video]';
    case TYPES.MSG_FILE: return '[file]';
    case TYPES.MSG_FACE: return '[sticker]';
    case TYPES.MSG_GEO: return '[location]';
    case TYPES.MSG_MERGER: return '[chat history]';
    case TYPES.MSG_GRP_TIP: return '[group notice]';
    default: return '[custom message]';
  }
}

/** Receive options: chatd's recvOpt (V2TIM) ↔ the Web SDK's messageRemindType. */
export const RECV_OPT_TO_REMIND: Record<number, string> = {
  0: TYPES.MSG_REMIND_ACPT_AND_NOTE,
  1: TYPES.MSG_REMIND_DISCARD,
  2: TYPES.MSG_REMIND_ACPT_NOT_NOTE,
};
export function remindToRecvOpt(t: string): number {
  if (t === TYPES.MSG_REMIND_DISCARD) return 1;
  if (t === TYPES.MSG_REMIND_ACPT_NOT_NOTE) return 2;
  return 0;
}

// ---- groups, members, profiles ----

const GROUP_TYPE_TO_TIM: Record<string, string> = {
  Work: TYPES.GRP_WORK, Private: TYPES.GRP_WORK, Public: TYPES.GRP_PUBLIC, Meeting: TYPES.GRP_MEETING,
  ChatRoom: TYPES.GRP_MEETING, AVChatRoom: TYPES.GRP_AVCHATROOM, Community: TYPES.GRP_COMMUNITY,
};
export function groupTypeToChatd(t: string): string {
  if (t === TYPES.GRP_WORK) return 'Work';
  if (t === TYPES.GRP_MEETING) return 'Meeting';
  return t;
}

const JOIN_OPT: string[] = [TYPES.JOIN_OPTIONS_DISABLE_APPLY, TYPES.JOIN_OPTIONS_NEED_PERMISSION, TYPES.JOIN_OPTIONS_FREE_ACCESS];
export function joinOptionToChatd(o: string | undefined): number | undefined {
  const i = o === undefined ? -1 : JOIN_OPT.indexOf(o);
  return i < 0 ? undefined : i;
}

export function groupToTim(g: Payload): Payload {
  return {
    groupID: g.groupID,
    name: g.groupName ?? '',
    avatar: g.faceUrl ?? '',
    type: GROUP_TYPE_TO_TIM[g.groupType] ?? g.groupType,
    introduction: g.introduction ?? '',
    notification: g.notification ?? '',
    ownerID: g.owner ?? '',
    createTime: g.createTime ?? 0,
    lastInfoTime: g.lastInfoTime ?? 0,
    lastMessage: {},
    memberNum: g.memberCount ?? 0,
    maxMemberNum: g.memberMaxCount ?? 0,
    joinOption: JOIN_OPT[g.groupAddOpt ?? 1] ?? TYPES.JOIN_OPTIONS_NEED_PERMISSION,
    muteAllMembers: !!g.isAllMuted,
    groupCustomField: Object.entries(g.customInfo ?? {}).map(([key, value]) => ({ key, value })),
    selfInfo: g.role ? { role: roleToTim(g.role), messageRemindType: TYPES.MSG_REMIND_ACPT_AND_NOTE } : {},
  };
}

export function roleToTim(r: number | string): string {
  if (r === 400 || r === 'Owner') return TYPES.GRP_MBR_ROLE_OWNER;
  if (r === 300 || r === 'Admin') return TYPES.GRP_MBR_ROLE_ADMIN;
  return TYPES.GRP_MBR_ROLE_MEMBER;
}
export function roleToChatd(r: string): number {
  return r === TYPES.GRP_MBR_ROLE_ADMIN ? 300 : r === TYPES.GRP_MBR_ROLE_OWNER ? 400 : 200;
}

export function memberToTim(m: Payload): Payload {
  return {
    userID: m.userID, nick: m.nickName ?? '', avatar: m.faceUrl ?? '', nameCard: m.nameCard ?? '',
    role: roleToTim(m.role), joinTime: m.joinTime ?? 0, muteUntil: m.muteUntil ?? 0,
    memberCustomField: Object.entries(m.customInfo ?? {}).map(([key, value]) => ({ key, value })),
  };
}

const GENDER: string[] = [TYPES.GENDER_UNKNOWN, TYPES.GENDER_MALE, TYPES.GENDER_FEMALE];
const ALLOW: string[] = [TYPES.ALLOW_TYPE_ALLOW_ANY, TYPES.ALLOW_TYPE_NEED_CONFIRM, TYPES.ALLOW_TYPE_DENY_ANY];

export function profileToTim(p: Payload): Payload {
  return {
    userID: p.userID, nick: p.nickName ?? '', avatar: p.faceUrl ?? '', selfSignature: p.selfSignature ?? '',
    gender: GENDER[p.gender ?? 0] ?? TYPES.GENDER_UNKNOWN, allowType: ALLOW[p.allowType ?? 1],
    birthday: p.birthday ?? 0, location: p.location ?? '', language: p.language ?? 0, level: p.level ?? 0,
    role: p.role ?? 0, profileCustomField: Object.entries(p.customInfo ?? {}).map(([key, value]) => ({ key, value })),
  };
}

export function profileToChatd(p: Payload): Payload {
  const out: Payload = {};
  if (p.nick !== undefined) out.nickName = p.nick;
  if (p.avatar !== undefined) out.faceUrl = p.avatar;
  if (p.selfSignature !== undefined) out.selfSignature = p.selfSignature;
  if (p.gender !== undefined) out.gender = Math.max(0, GENDER.indexOf(p.gender));
  if (p.allowType !== undefined) out.allowType = Math.max(0, ALLOW.indexOf(p.allowType));
  for (const k of ['birthday', 'location', 'language', 'level', 'role']) if (p[k] !== undefined) out[k] = p[k];
  if (p.profileCustomField) {
    out.customInfo = Object.fromEntries(p.profileCustomField.map((f: Payload) => [f.key.replace(/^Tag_Profile_Custom_/, ''), f.value]));
  }
  return out;
}

/** Web SDK topic fields (createTopicInCommunity, updateTopicProfile) as chatd's topicInfo. */
export function topicToChatd(o: Payload): Payload {
  const t: Payload = {};
  if (o.topicID !== undefined) t.topicID = o.topicID;
  if (o.topicName !== undefined) t.topicName = o.topicName;
  if (o.avatar !== undefined) t.topicFaceUrl = o.avatar;
  for (const k of ['introduction', 'notification']) if (o[k] !== undefined) t[k] = o[k];
  if (o.customData !== undefined) t.customString = o.customData;
  if (o.muteAllMembers !== undefined) t.isAllMute = !!o.muteAllMembers;
  return t;
}

/** chatd's V2TIMTopicInfo as the Web SDK's Topic. */
export function topicToTim(t: Payload): Payload {
  return {
    topicID: t.topicID,
    topicName: t.topicName ?? '',
    avatar: t.topicFaceUrl ?? '',
    introduction: t.introduction ?? '',
    notification: t.notification ?? '',
    muteAllMembers: !!t.isAllMute,
    customData: t.customString ?? '',
    unreadCount: t.unreadCount ?? 0,
    nextMessageSeq: t.nextMsgSeq ?? 1,
    selfInfo: { muteTime: t.selfMuteTime ?? 0, readedSequence: t.readSeq ?? 0, messageRemindType: '' },
  };
}
