// The chatd web demo: a small chat app on chatd-sdk, written as an app for Tencent's Web SDK
// (@tencentcloud/chat) is written. Sign-in gets a UserSig from the backend (serve.mjs stands
// for it); then the conversation list, one chat at a time, groups. State in store.ts, DOM in
// view.ts; this file holds the SDK calls and the events.
import TencentCloudChat from '../../js/src/index.ts';
import { fetchUserSig, readConfig, type DemoConfig } from './config.ts';
import * as store from './store.ts';
import { $, EMOJI, h, renderChat, renderConversations, showError } from './view.ts';

const { EVENT, TYPES } = TencentCloudChat;
const PAGE = 15; // messages per history page
const LAST_USER = 'chatd-demo:userID';

type Chat = TencentCloudChat;
type Message = store.Message;

let cfg: DemoConfig;
let chat: Chat | null = null;
let s = store.newState();
const wired = new WeakSet<Chat>();
const loading = new Map<string, Promise<void>>(); // conversationID → its page being read

const listActions = { open: (id: string) => void openConversation(id), pin: (id: string, on: boolean) => void pin(id, on) };
const chatActions = { recall: (m: Message) => void recall(m), resend: (m: Message) => void resend(m) };

function sdk(): Chat {
  if (!chat) throw new Error('not signed in');
  return chat;
}

function errText(e: any): string {
  const text = e?.message ?? String(e);
  return typeof e?.code === 'number' && e.code ? `${text} (${e.code})` : text;
}

function draw(scroll: 'bottom' | 'keep' | 'auto' = 'auto'): void {
  renderConversations(s, listActions);
  renderChat(s, chatActions, scroll);
}

function visible(): boolean {
  return document.visibilityState === 'visible';
}

// ---- signing in and out ----

async function signIn(userID: string): Promise<void> {
  showError('login-error', null);
  const button = $<HTMLButtonElement>('login-submit');
  button.disabled = true;
  try {
    const { userSig, sdkAppID } = await fetchUserSig(cfg, userID);
    chat = TencentCloudChat.create({ SDKAppID: sdkAppID, proxyServer: cfg.server });
    wire(chat);
    s = store.newState();
    s.me = userID;
    await chat.login({ userID, userSig });
    localStorage.setItem(LAST_USER, userID);
    $('me').textContent = userID;
    $('login').hidden = true;
    $('app').hidden = false;
    draw();
    $<HTMLInputElement>('new-chat-user').focus();
  } catch (e) {
    showError('login-error', `Could not sign in: ${errText(e)}`);
  } finally {
    button.disabled = false;
  }
}

function showLogin(reason: string | null): void {
  s = store.newState();
  loading.clear();
  delete $('conv-list').dataset.loaded;
  $('app').hidden = true;
  $('login').hidden = false;
  showError('login-error', reason);
  draw();
  $<HTMLInputElement>('login-user').focus();
}

async function signOut(): Promise<void> {
  try {
    await chat?.logout();
  } catch { /* the session is gone either way */ }
  showLogin(null);
}

// ---- SDK events ----

function wire(c: Chat): void {
  if (wired.has(c)) return;
  wired.add(c);
  c.on(EVENT.CONVERSATION_LIST_UPDATED, ({ data }) => {
    s.listed = data;
    $('conv-list').dataset.loaded = 'true'; // the first list has arrived (tests wait for it)
    draw();
    if (s.current) void markRead(s.current, false);
  });
  c.on(EVENT.MESSAGE_RECEIVED, ({ data }: { data: Message[] }) => {
    const touched = new Set<string>();
    for (const m of data) {
      const t = s.threads.get(m.conversationID);
      if (!t) continue; // never opened: its first page will have it
      store.addMessages(t, [m], 'newer');
      touched.add(m.conversationID);
    }
    if (s.current && touched.has(s.current)) {
      renderChat(s, chatActions, data.some((m) => m.flow === 'out') ? 'bottom' : 'auto');
      void markRead(s.current, true);
    }
  });
  c.on(EVENT.MESSAGE_REVOKED, ({ data }) => {
    let changed = false;
    for (const r of data) changed = store.markRevoked(store.thread(s, r.conversationID), r.ID) || changed;
    if (changed) renderChat(s, chatActions);
  });
  // chatd-sdk reports {conversationID, msgSeq} (the peer read up to msgSeq); Tencent's SDK
  // reports the messages themselves: take either.
  c.on(EVENT.MESSAGE_READ_BY_PEER, ({ data }) => {
    for (const r of data) {
      const t = store.thread(s, r.conversationID);
      if (typeof r.msgSeq === 'number') store.markPeerRead(t, r.msgSeq);
      else if (r.ID) store.markReceipt(t, r.ID, { isPeerRead: true });
    }
    renderChat(s, chatActions);
  });
  c.on(EVENT.MESSAGE_READ_RECEIPT_RECEIVED, ({ data }) => {
    for (const r of data) {
      store.markReceipt(store.thread(s, r.conversationID), r.messageID,
        { readCount: r.readCount, unreadCount: r.unreadCount, isPeerRead: r.isPeerRead });
    }
    renderChat(s, chatActions);
  });
  c.on(EVENT.NET_STATE_CHANGE, ({ data }) => {
    const net = $('net');
    net.dataset.state = data.state;
    net.title = data.state === TYPES.NET_STATE_CONNECTED ? 'Connected' : data.state === TYPES.NET_STATE_CONNECTING ? 'Reconnecting…' : 'Disconnected';
  });
  c.on(EVENT.KICKED_OUT, ({ data }) => {
    const why: Record<string, string> = {
      [TYPES.KICKED_OUT_MULT_ACCOUNT]: 'you signed in somewhere else',
      [TYPES.KICKED_OUT_USERSIG_EXPIRED]: 'your session expired',
      [TYPES.KICKED_OUT_REST_API]: 'an administrator signed you out',
    };
    showLogin(`Signed out: ${why[data.type] ?? data.type}.`);
  });
  c.on(EVENT.ERROR, ({ data }) => showError('chat-error', errText(data)));
}

// ---- conversations ----

async function openConversation(id: string, name?: string): Promise<void> {
  if (!store.findConversation(s, id)) s.local.set(id, store.localConversation(id, name));
  s.current = id;
  showError('chat-error', null);
  draw('bottom');
  const t = store.thread(s, id);
  if (!t.loaded) await loadPage(id);
  await markRead(id, true);
  $<HTMLTextAreaElement>('composer-input').focus();
}

/** The newest page, or the one before what is loaded ("load older"). */
function loadPage(id: string): Promise<void> {
  const busy = loading.get(id);
  if (busy) return busy;
  const t = store.thread(s, id);
  const first = !t.loaded;
  const p = (async () => {
    try {
      const r = await sdk().getMessageList({ conversationID: id, nextReqMessageID: first ? undefined : t.nextReqMessageID, count: PAGE });
      store.addMessages(t, r.data.messageList, 'older');
      if (id.startsWith('GROUP')) void groupReceipts(id, r.data.messageList);
      t.nextReqMessageID = r.data.nextReqMessageID;
      t.isCompleted = r.data.isCompleted || !r.data.messageList.length;
      t.loaded = true;
      if (s.current === id) renderChat(s, chatActions, first ? 'bottom' : 'keep');
    } catch (e) {
      if (s.current === id) showError('chat-error', `Could not load messages: ${errText(e)}`);
    } finally {
      loading.delete(id);
    }
  })();
  loading.set(id, p);
  return p;
}

/** Read counts of one's own group messages in a page (history carries no counts; one-to-one
 * messages carry isPeerRead). */
async function groupReceipts(id: string, page: Message[]): Promise<void> {
  const own = page.filter((m) => m.flow === 'out' && m.needReadReceipt && !m.isRevoked);
  if (!own.length) return;
  try {
    await sdk().getMessageReadReceiptList(own); // fills each one's readReceiptInfo
    if (s.current === id) renderChat(s, chatActions);
  } catch { /* the counts stay unknown; later receipts still arrive */ }
}

/** The open conversation is read: clear its unread count (the peer gets a C2C receipt) and
 * acknowledge the messages that asked for a read receipt. */
async function markRead(id: string, force: boolean): Promise<void> {
  if (!chat || s.current !== id || !visible()) return;
  const c = s.listed.find((x) => x.conversationID === id);
  if (c && (c.unreadCount > 0 || force)) chat.setMessageRead({ conversationID: id }).catch(() => undefined);
  const t = store.thread(s, id);
  const ask = t.messages.filter((m) => m.flow === 'in' && m.needReadReceipt && !m.isRevoked && !t.receipted.has(m.ID));
  for (const m of ask) t.receipted.add(m.ID);
  for (let i = 0; i < ask.length; i += 100) {
    chat.sendMessageReadReceipt(ask.slice(i, i + 100)).catch(() => {
      for (const m of ask.slice(i, i + 100)) t.receipted.delete(m.ID);
    });
  }
}

async function pin(id: string, isPinned: boolean): Promise<void> {
  try {
    await sdk().pinConversation({ conversationID: id, isPinned });
  } catch (e) {
    showError('chat-error', `Could not ${isPinned ? 'pin' : 'unpin'}: ${errText(e)}`);
  }
}

async function deleteConversation(id: string, clearHistoryMessage: boolean): Promise<void> {
  const listed = s.listed.some((c) => c.conversationID === id);
  try {
    if (listed) await sdk().deleteConversation({ conversationIDList: [id], clearHistoryMessage });
  } catch (e) {
    showError('chat-error', `Could not delete the conversation: ${errText(e)}`);
    return;
  }
  s.local.delete(id);
  s.threads.delete(id);
  if (s.current === id) s.current = null;
  draw();
}

// ---- messages ----

async function send(): Promise<void> {
  const input = $<HTMLTextAreaElement>('composer-input');
  const text = input.value.trim();
  const id = s.current;
  if (!text || !id || !chat) return;
  const group = id.startsWith('GROUP');
  const m = chat.createTextMessage({
    to: group ? id.slice(5) : id.slice(3),
    conversationType: group ? TYPES.CONV_GROUP : TYPES.CONV_C2C,
    payload: { text },
    needReadReceipt: true,
  });
  input.value = '';
  fitComposer();
  showError('chat-error', null);
  store.addMessages(store.thread(s, id), [m], 'newer');
  renderChat(s, chatActions, 'bottom');
  await deliver(m, () => chat!.sendMessage(m));
}

async function resend(m: Message): Promise<void> {
  showError('chat-error', null);
  await deliver(m, () => sdk().resendMessage(m));
}

async function deliver(m: Message, how: () => Promise<unknown>): Promise<void> {
  try {
    await how();
  } catch (e) {
    if (s.current === m.conversationID) showError('chat-error', `Not sent: ${errText(e)}`);
  }
  if (s.current === m.conversationID) renderChat(s, chatActions);
}

async function recall(m: Message): Promise<void> {
  try {
    await sdk().revokeMessage(m);
  } catch (e) {
    showError('chat-error', `Could not recall: ${errText(e)}`);
  }
  renderChat(s, chatActions);
}

// ---- groups ----

function userIDs(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean))];
}

async function createGroup(form: HTMLFormElement): Promise<void> {
  const f = new FormData(form);
  const name = String(f.get('name') ?? '').trim();
  const groupID = String(f.get('groupID') ?? '').trim();
  const members = userIDs(String(f.get('members') ?? '')).filter((u) => u !== s.me);
  showError('group-error', null);
  try {
    const r = await sdk().createGroup({
      type: TYPES.GRP_PUBLIC, name, ...(groupID ? { groupID } : {}),
      joinOption: TYPES.JOIN_OPTIONS_FREE_ACCESS,
      memberList: members.map((userID) => ({ userID })),
    });
    $<HTMLDialogElement>('group-dialog').close();
    form.reset();
    await openConversation(`GROUP${r.data.group.groupID}`, name);
  } catch (e) {
    showError('group-error', `Could not create the group: ${errText(e)}`);
  }
}

async function joinGroup(form: HTMLFormElement): Promise<void> {
  const groupID = String(new FormData(form).get('groupID') ?? '').trim();
  showError('join-error', null);
  try {
    const r = await sdk().joinGroup({ groupID });
    if (r.data.status === TYPES.JOIN_STATUS_WAIT_APPROVAL) {
      showError('join-error', 'Request sent: an admin of the group has to approve it.');
      return;
    }
    $<HTMLDialogElement>('join-dialog').close();
    form.reset();
    await openConversation(`GROUP${groupID}`);
  } catch (e) {
    if ((e as any)?.code === 10013) { // already a member
      $<HTMLDialogElement>('join-dialog').close();
      await openConversation(`GROUP${groupID}`);
      return;
    }
    showError('join-error', `Could not join: ${errText(e)}`);
  }
}

async function showGroups(): Promise<void> {
  const list = $('group-list');
  list.replaceChildren(h('li', { class: 'muted' }, 'Loading…'));
  try {
    const r = await sdk().getGroupList();
    const groups: { groupID: string; name: string; memberNum: number }[] = r.data.groupList;
    list.replaceChildren(...(groups.length ? groups.map((g) => h('li', {},
      h('button', {
        type: 'button', class: 'link', testid: 'group-open', 'data-group-id': g.groupID,
        onclick: () => {
          $<HTMLDialogElement>('join-dialog').close();
          void openConversation(`GROUP${g.groupID}`, g.name);
        },
      }, g.name || g.groupID),
      h('span', { class: 'muted' }, ` ${g.groupID}`))) : [h('li', { class: 'muted' }, 'You are in no group yet')]));
  } catch (e) {
    list.replaceChildren(h('li', { class: 'error' }, errText(e)));
  }
}

// ---- the composer and its emoji ----

function fitComposer(): void {
  const input = $<HTMLTextAreaElement>('composer-input');
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
}

function insertEmoji(e: string): void {
  const input = $<HTMLTextAreaElement>('composer-input');
  input.setRangeText(e, input.selectionStart, input.selectionEnd, 'end');
  input.focus();
  fitComposer();
}

function setupComposer(): void {
  const picker = $('emoji-picker');
  const toggle = $('emoji-toggle');
  picker.replaceChildren(...EMOJI.map((e) => h('button', {
    type: 'button', class: 'emoji', testid: 'emoji-option', 'data-emoji': e, 'aria-label': `Insert ${e}`,
    onclick: () => { insertEmoji(e); picker.hidden = true; toggle.setAttribute('aria-expanded', 'false'); },
  }, e)));
  toggle.addEventListener('click', () => {
    picker.hidden = !picker.hidden;
    toggle.setAttribute('aria-expanded', String(!picker.hidden));
  });
  document.addEventListener('click', (ev) => {
    if (!picker.hidden && !picker.contains(ev.target as Node) && ev.target !== toggle) picker.hidden = true;
  });
  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') picker.hidden = true; });
  const input = $<HTMLTextAreaElement>('composer-input');
  input.addEventListener('input', fitComposer);
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      void send();
    }
  });
  $('composer').addEventListener('submit', (ev) => { ev.preventDefault(); void send(); });
}

// ---- start ----

function onSubmit(id: string, fn: (form: HTMLFormElement) => void): void {
  const form = $<HTMLFormElement>(id);
  form.addEventListener('submit', (ev) => { ev.preventDefault(); fn(form); });
}

function start(): void {
  try {
    cfg = readConfig(location);
  } catch (e) {
    showError('login-error', errText(e));
    return;
  }
  $('server-url').textContent = cfg.server;
  const user = $<HTMLInputElement>('login-user');
  user.value = localStorage.getItem(LAST_USER) ?? '';
  onSubmit('login-form', () => void signIn(user.value.trim()));
  $('logout').addEventListener('click', () => void signOut());

  onSubmit('new-chat', (form) => {
    const input = form.elements.namedItem('userID') as HTMLInputElement;
    const peer = input.value.trim();
    if (!peer) return;
    input.value = '';
    void openConversation(`C2C${peer}`);
  });
  const groupDialog = $<HTMLDialogElement>('group-dialog');
  $('new-group-open').addEventListener('click', () => { showError('group-error', null); groupDialog.showModal(); });
  onSubmit('group-form', (form) => void createGroup(form));
  const joinDialog = $<HTMLDialogElement>('join-dialog');
  $('join-group-open').addEventListener('click', () => { showError('join-error', null); joinDialog.showModal(); void showGroups(); });
  onSubmit('join-form', (form) => void joinGroup(form));
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-close]')) {
    b.addEventListener('click', () => b.closest('dialog')?.close());
  }

  $('chat-back').addEventListener('click', () => { s.current = null; draw(); });
  $('chat-pin').addEventListener('click', () => {
    const c = s.current ? store.findConversation(s, s.current) : undefined;
    if (c) void pin(c.conversationID, !c.isPinned);
  });
  $('load-older').addEventListener('click', () => { if (s.current) void loadPage(s.current); });
  const del = $<HTMLDialogElement>('delete-dialog');
  $('chat-delete').addEventListener('click', () => {
    const c = s.current ? store.findConversation(s, s.current) : undefined;
    if (!c) return;
    $('delete-name').textContent = store.conversationName(c);
    del.dataset.conversationId = c.conversationID;
    del.returnValue = '';
    del.showModal();
  });
  del.addEventListener('close', () => {
    const id = del.dataset.conversationId;
    if (del.returnValue === 'delete' && id) void deleteConversation(id, $<HTMLInputElement>('delete-history').checked);
  });
  document.addEventListener('visibilitychange', () => { if (s.current) void markRead(s.current, false); });
  setupComposer();
  user.focus();
}

start();
