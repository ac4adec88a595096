// Configuration: the running configuration (chatd_admin/config_get), secrets masked, with which
// keys a SIGHUP reloads and which differ from their default.
import { call } from '../api.js';
import { attempt, card, h } from '../ui.js';

export async function render(main) {
  const filter = h('input', { type: 'search', placeholder: 'Filter keys', 'data-testid': 'config-filter' });
  const onlyChanged = h('input', { type: 'checkbox' });
  const rows = h('tbody', { 'data-testid': 'config-rows' });
  main.append(h('header.page-head', h('h1', 'Configuration')),
    card('Running configuration',
      h('p.muted', 'What this chatd process runs with. Reloadable keys change on SIGHUP; the others need a restart. Secrets are masked.'),
      h('div.row', filter, h('label.check', onlyChanged, 'changed from default')),
      h('table.list.config', h('thead', h('tr', h('th', 'Key'), h('th', 'Value'), h('th', 'Default'), h('th', ''))), rows)));
  const a = await attempt(() => call('chatd_admin/config_get'));
  if (!a) return;
  const show = () => {
    const f = filter.value.trim().toLowerCase();
    for (const tr of rows.children) {
      const hide = (f && !tr.dataset.key.includes(f)) || (onlyChanged.checked && tr.dataset.changed !== 'true');
      tr.hidden = !!hide;
    }
  };
  rows.replaceChildren(...a.Config.map((k) => {
    const changed = k.Default !== null && k.Value !== k.Default && !k.Secret;
    return h('tr', { 'data-testid': 'config-row', 'data-key': k.Key, 'data-changed': String(changed) },
      h('td.mono', k.Key),
      h(`td.mono${changed ? '.changed' : ''}`, k.Value === '' ? h('span.muted', '(empty)') : k.Value),
      h('td.mono.muted', k.Default === null ? 'required' : k.Default === '' ? '(empty)' : k.Default),
      h('td', k.Reloadable ? h('span.tag.ok', 'reloadable') : h('span.tag', 'restart'), k.Secret ? h('span.tag.warn', 'secret') : ''));
  }));
  filter.addEventListener('input', show);
  onlyChanged.addEventListener('change', show);
}
