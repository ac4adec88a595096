// The demo's state: the conversation list the SDK reports, conversations opened here but not
// listed yet (a new chat, a new group), and one thread of loaded messages per conversation.
// Pure data and functions of it; the DOM lives in view.ts, the SDK calls in main.ts.
import { translate } from '../../js/src/index.ts';

export type Message = translate.TimMessage;

export interface Conversation {
  conversationID: string;
  type: string; // 'C2C' | 'GROUP'
  unreadCount: number;
  isPinned: boolean;
  lastMessage: { lastTime?: number; messageForShow?: string; fromAccount?: string; isRevoked?: boolean };
  userProfile?: { userID: string; nick?: string };
  groupProfile?: { groupID: string; name?: string };
}

export interface Thread {
  messages: Message[]; // oldest first
  nextReqMessageID: string;
  isCompleted: boolean;
  loaded: boolean; // the newest page was read
  peerReadSeq: number; // C2C: the peer read up to this seq
  receipted: Set<string>; // incoming messages we acknowledged
}

export interface State {
  me: string;
  listed: Conversation[]; // as the SDK reports them
  local: Map<string, Conversation>; // opened here, not listed (yet)
  threads: Map<string, Thread>;
  current: string | null;
}

export function newState(): State {
  return { me: '', listed: [], local: new Map(), threads: new Map(), current: null };
}

export function thread(s: State, id: string): Thread {
  let t = s.threads.get(id);
  if (!t) {
    t = { messages: [], nextReqMessageID: '', isCompleted: false, loaded: false, peerReadSeq: 0, receipted: new Set() };
    s.threads.set(id, t);
  }
  return t;
}

/** A conversation the list does not have yet, named by its peer or group. */
export function localConversation(id: string, name?: string): Conversation {
  const group = id.startsWith('GROUP');
  const peer = group ? id.slice(5) : id.slice(3);
  return {
    conversationID: id, type: group ? 'GROUP' : 'C2C', unreadCount: 0, isPinned: false, lastMessage: {},
    ...(group ? { groupProfile: { groupID: peer, name: name ?? peer } } : { userProfile: { userID: peer, nick: name ?? peer } }),
  };
}

/** The list as shown: pinned first (each part in the SDK's order), local ones atop the unpinned. */
export function shownConversations(s: State): Conversation[] {
  const listed = new Set(s.listed.map((c) => c.conversationID));
  for (const id of [...s.local.keys()]) if (listed.has(id)) s.local.delete(id);
  const pinned = s.listed.filter((c) => c.isPinned);
  const rest = s.listed.filter((c) => !c.isPinned);
  return [...pinned, ...s.local.values(), ...rest];
}

export function findConversation(s: State, id: string): Conversation | undefined {
  return s.listed.find((c) => c.conversationID === id) ?? s.local.get(id);
}

export function conversationName(c: Conversation): string {
  if (c.type === 'GROUP') return c.groupProfile?.name || c.groupProfile?.groupID || c.conversationID.slice(5);
  return c.userProfile?.nick || c.userProfile?.userID || c.conversationID.slice(3);
}

/** Adds messages (a page of history before, new ones after), each once; a known ID is replaced. */
export function addMessages(t: Thread, list: Message[], where: 'older' | 'newer'): void {
  const byId = new Map(t.messages.map((m, i) => [m.ID, i]));
  const fresh: Message[] = [];
  for (const m of list) {
    const i = byId.get(m.ID);
    if (i === undefined) fresh.push(m);
    else t.messages[i] = { ...m, isPeerRead: m.isPeerRead || t.messages[i].isPeerRead };
  }
  for (const m of fresh) if (m.flow === 'out' && m.sequence && m.sequence <= t.peerReadSeq) m.isPeerRead = true;
  t.messages = where === 'older' ? [...fresh, ...t.messages] : [...t.messages, ...fresh];
}

/** The peer read the conversation up to `seq`: one's own messages up to it are read. */
export function markPeerRead(t: Thread, seq: number): boolean {
  if (seq <= t.peerReadSeq) return false;
  t.peerReadSeq = seq;
  let changed = false;
  for (const m of t.messages) {
    if (m.flow === 'out' && m.sequence && m.sequence <= seq && !m.isPeerRead) {
      m.isPeerRead = true;
      changed = true;
    }
  }
  return changed;
}

/** A receipt for one message: the peer read it, or (groups) `readCount` members did. */
export function markReceipt(t: Thread, messageID: string, info: { readCount?: number; unreadCount?: number; isPeerRead?: boolean }): boolean {
  const m = t.messages.find((x) => x.ID === messageID);
  if (!m) return false;
  m.readReceiptInfo = { ...m.readReceiptInfo, ...info };
  if (info.isPeerRead || (m.conversationType === 'C2C' && (info.readCount ?? 0) > 0)) m.isPeerRead = true;
  return true;
}

export function markRevoked(t: Thread, messageID: string): boolean {
  const m = t.messages.find((x) => x.ID === messageID);
  if (!m || m.isRevoked) return false;
  m.isRevoked = true;
  return true;
}

/** What an own message's status line says. */
export function outgoingStatus(m: Message): string {
  if (m.status === 'unSend') return 'sending';
  if (m.status === 'fail') return 'failed';
  if (m.conversationType === 'GROUP') {
    const n = m.readReceiptInfo?.readCount ?? 0;
    return m.needReadReceipt && n > 0 ? `read by ${n}` : 'sent';
  }
  return m.isPeerRead || m.readReceiptInfo?.isPeerRead ? 'read' : 'sent';
}
