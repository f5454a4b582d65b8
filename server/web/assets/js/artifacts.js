// The artifacts list: search by name (debounced), one page at a time in keyset order.

import { get, items, qs } from './api.js';
import { h, counts, debounce, digest, errorBox, time } from './dom.js';

const PAGE = 50;
const MAX_PAGE = 1000;

function row(a) {
  return h('tr', null,
    h('th', { scope: 'row' }, h('a', { href: `/artifacts/${a.id}` }, a.name)),
    h('td', null, a.version || h('span', { class: 'muted' }, '—')),
    h('td', null, a.team || ''),
    h('td', null, digest(a.digest)),
    h('td', { class: 'num' }, String(a.components ?? '')),
    h('td', null, counts(a.open_findings || {})),
    h('td', null, time(a.updated || a.created)));
}

/** The artifacts page; ?q= is the search, ?limit= the page size (50 by default). */
export async function artifacts({ signal, query }) {
  const limit = Math.min(Math.max(Number.parseInt(query.get('limit'), 10) || PAGE, 1), MAX_PAGE);
  const input = h('input', { id: 'artifact-search', type: 'search', name: 'q', value: query.get('q') || '', autocomplete: 'off', placeholder: 'Name contains…' });
  const tbody = h('tbody');
  const more = h('button', { type: 'button', class: 'more', hidden: true }, 'Load more');
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const problem = h('div');
  let next = '';
  let shown = 0;
  let seq = 0;

  async function load(reset) {
    const mine = ++seq;
    const search = input.value.trim();
    const page = await get('/artifacts' + qs({ search, limit, after: reset ? '' : next }), signal);
    if (mine !== seq) return; // a newer search is under way
    const list = items(page);
    if (reset) {
      tbody.replaceChildren();
      shown = 0;
    }
    for (const a of list) tbody.append(row(a));
    shown += list.length;
    next = (page && page.next) || '';
    more.hidden = !next;
    problem.replaceChildren();
    status.textContent = shown === 0
      ? (search ? `No artifact name contains \u201c${search}\u201d.` : 'No artifact yet: push an SBOM with hallmark push.')
      : `${shown} artifact${shown === 1 ? '' : 's'}${next ? ' so far' : ''}${search ? ` matching \u201c${search}\u201d` : ''}.`;
  }
  const fail = (err) => { if (!signal.aborted) problem.replaceChildren(errorBox(err)); };

  input.addEventListener('input', debounce(() => {
    history.replaceState(null, '', '/artifacts' + qs({ q: input.value.trim(), limit: limit === PAGE ? '' : limit }));
    load(true).catch(fail);
  }, 250));
  more.addEventListener('click', () => load(false).catch(fail));
  await load(true);

  return h('div', null,
    h('h1', null, 'Artifacts'),
    h('form', { class: 'search', role: 'search', onsubmit: (e) => e.preventDefault() },
      h('label', { for: 'artifact-search' }, 'Search artifacts'), input),
    status, problem,
    h('table', { class: 'artifacts' },
      h('thead', null, h('tr', null, ['Name', 'Version', 'Team', 'Digest', 'Components', 'Open findings', 'Updated'].map((c) => h('th', { scope: 'col', class: c === 'Components' ? 'num' : null }, c)))),
      tbody),
    more);
}
