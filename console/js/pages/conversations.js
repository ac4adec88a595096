// Conversations and messages: a user's conversation list (recentcontact/get_list), a
// one-to-one history as that user sees it (openim/admin_getroammsg) or a group's
// (group_open_http_svc/group_msg_get_simple), paged backward, and recall
// (openim/admin_msgwithdraw, group_open_http_svc/group_msg_recall).
import { call } from '../api.js';
import { go } from '../app.js';
import { attempt, bodyText, card, empty, h } from '../ui.js';

const PAGE = 20;

export function render(main, r) {
  const user = r.query.get('user') || '';
  const peer = r.query.get('peer') || '';
  const group = r.query.get('group') || '';
  const input = h('input', { type: 'search', placeholder: 'UserID', value: user, 'data-testid': 'conv-user' });
  const convs = h('ul.convs', { 'data-testid': 'conv-list' });
  const history = h('div.history', { 'data-testid': 'history' });
  main.append(h('header.page-head', h('h1', 'Conversations')),
    h('div.cols.wide-right',
      card('Conversations of',
        h('form.row', { onsubmit: (e) => { e.preventDefault(); go(`#/conversations?user=${encodeURIComponent(input.value.trim())}`); } },
          input, h('button.primary', { type: 'submit', 'data-testid': 'conv-load' }, 'Show')),
        convs),
      card(group ? `Group ${group}` : peer ? `${user} ↔ ${peer}` : 'History', history)));
  if (user) loadConvs(convs, user, peer, group);
  if (group) groupHistory(history, group);
  else if (user && peer) c2cHistory(history, user, peer);
  else history.append(empty('Pick a conversation.'));
}

async function loadConvs(list, user, peer, group) {
  const cursor = { TimeStamp: 0, StartIndex: 0, TopTimeStamp: 0, TopStartIndex: 0 };
  const more = h('button', { type: 'button', hidden: true }, 'More');
  const page = async () => {
    const a = await attempt(() => call('recentcontact/get_list', { From_Account: user, ...cursor, AssistFlags: 7 }));
    if (!a) return;
    for (const c of a.SessionItem || []) {
      const isGroup = c.Type === 2;
      const id = isGroup ? c.GroupId : c.To_Account;
      const href = isGroup ? `#/conversations?user=${encodeURIComponent(user)}&group=${encodeURIComponent(id)}`
        : `#/conversations?user=${encodeURIComponent(user)}&peer=${encodeURIComponent(id)}`;
      const active = isGroup ? id === group : id === peer;
      more.before(h(`li${active ? '.active' : ''}`, { 'data-testid': 'conv-item', 'data-conv': `${isGroup ? 'group' : 'c2c'}_${id}` },
        h('a', { href }, h('span.tag', isGroup ? 'group' : 'c2c'), h('span.mono', id), c.TopFlag ? h('span.tag', 'pinned') : '',
          h('span.muted.right', c.MsgTime ? new Date(c.MsgTime * 1000).toLocaleString() : ''))));
    }
    Object.assign(cursor, { TimeStamp: a.TimeStamp, StartIndex: a.StartIndex, TopTimeStamp: a.TopTimeStamp, TopStartIndex: a.TopStartIndex });
    more.hidden = a.CompleteFlag === 1;
    if (list.children.length === 1) more.before(h('li', empty('No conversation.')));
    list.dataset.loaded = 'true';
  };
  list.append(more);
  more.addEventListener('click', page);
  await page();
}

function messageItem(m, onRecall) {
  const recalled = !m.MsgBody || m.MsgBody.length === 0;
  const recall = h('button.small', { type: 'button', 'data-testid': 'recall', hidden: recalled || m.IsSystemMsg === 1 }, 'Recall');
  const li = h(`li.msg${recalled ? '.recalled' : ''}`, { 'data-testid': 'message', 'data-key': m.MsgKey || '', 'data-seq': m.MsgSeq },
    h('div.msg-head', h('span.mono', m.From_Account || 'system'), h('span.muted', m.MsgTimeStamp ? new Date(m.MsgTimeStamp * 1000).toLocaleString() : ''),
      h('span.muted', `#${m.MsgSeq}`), recall),
    h('div.msg-body', recalled ? h('em.muted', m.IsPlaceMsg ? 'deleted' : 'recalled') : bodyText(m.MsgBody)));
  recall.addEventListener('click', async () => {
    if (await attempt(onRecall, 'Message recalled')) {
      li.classList.add('recalled');
      li.querySelector('.msg-body').replaceChildren(h('em.muted', 'recalled'));
      recall.hidden = true;
    }
  });
  return li;
}

async function c2cHistory(box, user, peer) {
  const list = h('ol.msgs');
  const older = h('button', { type: 'button', hidden: true, 'data-testid': 'older' }, 'Older messages');
  box.append(older, list);
  let maxTime = 4294967295;
  let lastKey = '';
  const page = async () => {
    const a = await attempt(() => call('openim/admin_getroammsg', { Operator_Account: user, Peer_Account: peer, MaxCnt: PAGE, MinTime: 0, MaxTime: maxTime, LastMsgKey: lastKey }));
    if (!a) return;
    const items = (a.MsgList || []).map((m) => messageItem(m, () => call('openim/admin_msgwithdraw', { From_Account: m.From_Account, To_Account: m.To_Account, MsgKey: m.MsgKey })));
    list.prepend(...items);
    maxTime = a.LastMsgTime;
    lastKey = a.LastMsgKey;
    older.hidden = a.Complete === 1;
    if (!list.children.length) list.append(h('li', empty('No messages.')));
    box.dataset.loaded = 'true';
  };
  older.addEventListener('click', page);
  await page();
}

async function groupHistory(box, gid) {
  const list = h('ol.msgs');
  const older = h('button', { type: 'button', hidden: true, 'data-testid': 'older' }, 'Older messages');
  box.append(older, list);
  let seq;
  const page = async () => {
    const body = { GroupId: gid, ReqMsgNumber: PAGE };
    if (seq !== undefined) body.ReqMsgSeq = seq;
    const a = await attempt(() => call('group_open_http_svc/group_msg_get_simple', body));
    if (!a) return;
    const msgs = [...(a.RspMsgList || [])].reverse(); // oldest first on screen
    const recall = (m) => async () => {
      const r = await call('group_open_http_svc/group_msg_recall', { GroupId: gid, MsgSeqList: [{ MsgSeq: m.MsgSeq }] });
      const code = r.RecallRetList?.[0]?.RetCode;
      if (code) throw Object.assign(new Error('not recalled'), { code, info: 'no such message, or recalled already' });
      return r;
    };
    list.prepend(...msgs.map((m) => messageItem(m, recall(m))));
    if (msgs.length) seq = msgs[0].MsgSeq - 1;
    older.hidden = a.IsFinished === 1 || !msgs.length;
    if (!list.children.length) list.append(h('li', empty('No messages.')));
    box.dataset.loaded = 'true';
  };
  older.addEventListener('click', page);
  await page();
}
