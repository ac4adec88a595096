// The DOM: index.html holds the fixed parts; these functions draw the conversation list and the
// messages from the state. User text only ever goes in through textContent.
import {
  conversationName, findConversation, outgoingStatus, shownConversations, thread,
  type Conversation, type Message, type State,
} from './store.ts';

type Attrs = Record<string, string | boolean | undefined | ((e: Event) => void)>;

/** An element: attributes (on* are listeners, `testid` is data-testid), then children. */
export function h(tag: string, attrs: Attrs = {}, ...children: (Node | string | null | false)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'testid') el.dataset.testid = String(v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== false) el.append(c);
  return el;
}

export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}

export const EMOJI = ['😀', '😂', '😊', '😍', '😎', '🤔', '😢', '😮', '👍', '👏', '🙏', '🎉', '❤️', '🔥'];

function clock(unix?: number): string {
  if (!unix) return '';
  const d = new Date(unix * 1000);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

function avatar(name: string, group: boolean): HTMLElement {
  let hue = 0;
  for (const ch of name) hue = (hue * 31 + ch.codePointAt(0)!) % 360;
  const el = h('span', { class: `avatar${group ? ' group' : ''}`, 'aria-hidden': 'true' }, [...name][0]?.toUpperCase() ?? '?');
  el.style.setProperty('--hue', String(hue));
  return el;
}

/** A small pin drawn in SVG (emoji fonts are not everywhere). */
function pinMark(): HTMLElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', 'M15 3l6 6-2 1-3 3 1 5-2 2-4-4-5 5-1-1 5-5-4-4 2-2 5 1 3-3z');
  svg.append(path);
  return h('span', { class: 'pin-mark', title: 'Pinned', 'aria-label': 'Pinned', testid: 'conv-pinned' }, svg);
}

export interface ListActions {
  open(id: string): void;
  pin(id: string, pinned: boolean): void;
}

export function renderConversations(s: State, act: ListActions): void {
  const list = $('conv-list');
  const items = shownConversations(s).map((c) => conversationItem(s, c, act));
  list.replaceChildren(...items);
  $('conv-empty').hidden = items.length > 0;
}

function conversationItem(s: State, c: Conversation, act: ListActions): HTMLElement {
  const name = conversationName(c);
  const open = s.current === c.conversationID;
  const unread = open ? 0 : c.unreadCount;
  const last = c.lastMessage ?? {};
  const preview = last.isRevoked ? 'message recalled' : last.messageForShow ?? '';
  const from = c.type === 'GROUP' && last.fromAccount && preview ? `${last.fromAccount === s.me ? 'You' : last.fromAccount}: ` : '';
  return h('li', {
    class: `conv${open ? ' active' : ''}${c.isPinned ? ' pinned' : ''}`, testid: 'conv-item',
    'data-conversation-id': c.conversationID, 'data-pinned': String(c.isPinned),
  },
  h('button', { class: 'conv-open', type: 'button', onclick: () => act.open(c.conversationID), 'aria-current': open ? 'true' : undefined },
    avatar(name, c.type === 'GROUP'),
    h('span', { class: 'conv-main' },
      h('span', { class: 'conv-top' },
        h('span', { class: 'conv-name', testid: 'conv-name' }, name),
        c.isPinned ? pinMark() : null,
        h('span', { class: 'conv-time' }, clock(last.lastTime))),
      h('span', { class: 'conv-bottom' },
        h('span', { class: 'conv-last', testid: 'conv-last' }, from + preview),
        unread > 0 ? h('span', { class: 'badge', testid: 'conv-unread', 'aria-label': `${unread} unread` }, unread > 99 ? '99+' : String(unread)) : null))),
  h('button', {
    class: 'conv-pin', type: 'button', testid: 'conv-pin', title: c.isPinned ? 'Unpin' : 'Pin',
    'aria-label': c.isPinned ? `Unpin ${name}` : `Pin ${name}`, onclick: () => act.pin(c.conversationID, !c.isPinned),
  }, c.isPinned ? 'Unpin' : 'Pin'));
}

export interface ChatActions {
  recall(m: Message): void;
  resend(m: Message): void;
}

/** The open conversation's header and messages; keeps the reader's place when older ones arrive. */
export function renderChat(s: State, act: ChatActions, scroll: 'bottom' | 'keep' | 'auto' = 'auto'): void {
  const id = s.current;
  $('chat-empty').hidden = !!id;
  $('chat-pane').hidden = !id;
  document.body.classList.toggle('chat-open', !!id);
  if (!id) return;
  const c = findConversation(s, id);
  const t = thread(s, id);
  $('chat-title').textContent = c ? conversationName(c) : id;
  $('chat-sub').textContent = id.startsWith('GROUP') ? `Group ${id.slice(5)}` : `User ${id.slice(3)}`;
  const pin = $('chat-pin');
  pin.textContent = c?.isPinned ? 'Unpin' : 'Pin';
  pin.toggleAttribute('disabled', !s.listed.some((x) => x.conversationID === id));
  const older = $<HTMLButtonElement>('load-older');
  older.hidden = !t.loaded || t.isCompleted;

  const box = $('messages');
  const top = box.scrollTop;
  const fromBottom = box.scrollHeight - top - box.clientHeight;
  const items: HTMLElement[] = [];
  let lastDay = '';
  for (const m of t.messages) {
    const day = new Date(m.time * 1000).toDateString();
    if (day !== lastDay) {
      items.push(h('li', { class: 'day' }, new Date(m.time * 1000).toLocaleDateString([], { weekday: 'short', month: 'short', day: 'numeric' })));
      lastDay = day;
    }
    items.push(messageItem(s, m, act));
  }
  if (t.loaded && !t.messages.length) items.push(h('li', { class: 'day', testid: 'no-messages' }, 'No messages yet — say hello'));
  $('message-items').replaceChildren(...items);
  if (scroll === 'bottom' || (scroll === 'auto' && fromBottom < 80)) box.scrollTop = box.scrollHeight;
  else if (scroll === 'keep') box.scrollTop = box.scrollHeight - box.clientHeight - fromBottom; // older ones above
  else box.scrollTop = top;
}

function messageItem(s: State, m: Message, act: ChatActions): HTMLElement {
  const out = m.flow === 'out';
  const group = m.conversationType === 'GROUP';
  const body = m.isRevoked
    ? h('p', { class: 'text recalled', testid: 'message-recalled' }, out ? 'You recalled a message' : 'message recalled')
    : h('p', { class: 'text', testid: 'message-text' }, messageText(m));
  const meta = h('span', { class: 'meta' }, clock(m.time));
  if (out && !m.isRevoked) {
    const status = outgoingStatus(m);
    meta.append(h('span', { class: `status ${status.split(' ')[0]}`, testid: 'message-status' }, status));
  }
  const canRecall = out && !m.isRevoked && m.status === 'success';
  return h('li', {
    class: `msg ${out ? 'out' : 'in'}${m.isRevoked ? ' revoked' : ''}`, testid: 'message',
    'data-message-id': m.ID, 'data-flow': m.flow,
  },
  h('div', { class: 'bubble' },
    group && !out && !m.isRevoked ? h('span', { class: 'sender' }, m.nick || m.from) : null,
    body, meta),
  canRecall ? h('button', { class: 'msg-action', type: 'button', testid: 'message-recall', onclick: () => act.recall(m) }, 'Recall') : null,
  out && m.status === 'fail' ? h('button', { class: 'msg-action', type: 'button', testid: 'message-resend', onclick: () => act.resend(m) }, 'Retry') : null);
}

function messageText(m: Message): string {
  switch (m.type) {
    case 'TIMTextElem': return m.payload.text ?? '';
    case 'TIMGroupTipElem': return '[group update]';
    case 'TIMImageElem': return '[image]';
    case 'TIMFaceElem': return '[sticker]';
    case 'TIMCustomElem': return m.payload.description || '[custom message]';
    default: return `[${m.type}]`;
  }
}

export function showError(id: string, text: string | null): void {
  const el = $(id);
  el.textContent = text ?? '';
  el.hidden = !text;
}
