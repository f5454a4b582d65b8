// The components search: which artifacts of the caller's teams contain a package, in a
// version range with the ecosystem's own version order (GET /api/v1/components), one page of
// matching components at a time, grouped by artifact.

import { get, items, qs } from './api.js';
import { h, errorBox, onSubmit } from './dom.js';

const PAGE = 100;
const MAX_PAGE = 1000;

// group keeps one table row per artifact, adding to it the components of later pages.
function group(tbody) {
  const rows = new Map(); // artifact ID → the <ul> of its matching components
  return (hit) => {
    const a = hit.artifact || {};
    const c = hit.component || {};
    let list = rows.get(a.id);
    if (!list) {
      list = h('ul', { class: 'plain' });
      rows.set(a.id, list);
      tbody.append(h('tr', { 'data-artifact': a.id },
        h('th', { scope: 'row' }, h('a', { href: `/artifacts/${encodeURIComponent(a.id)}` }, a.name)),
        h('td', null, a.version || h('span', { class: 'muted' }, '—')),
        h('td', null, a.team || ''),
        h('td', null, list)));
    }
    list.append(h('li', null, h('strong', null, c.version || '(no version)'), ' ',
      h('code', { class: 'wrap sub' }, c.purl || c.name), c.direct ? h('span', { class: 'sub' }, ' direct') : null));
    return rows.size;
  };
}

/**
 * The components page: ?purl= and ?range= are the search (run when purl is given), ?limit=
 * the page size in components (100 by default).
 */
export async function components({ query, signal, navigate }) {
  const limit = Math.min(Math.max(Number.parseInt(query.get('limit'), 10) || PAGE, 1), MAX_PAGE);
  const purl = h('input', { id: 'component-purl', name: 'purl', required: true, autocomplete: 'off', spellcheck: 'false',
    value: query.get('purl') || '', placeholder: 'pkg:npm/lodash', 'aria-describedby': 'component-purl-hint' });
  const range = h('input', { id: 'component-range', name: 'range', autocomplete: 'off', spellcheck: 'false',
    value: query.get('range') || '', placeholder: '>=4.0.0,<4.17.21', 'aria-describedby': 'component-range-hint' });
  const submit = h('button', { type: 'submit' }, 'Search');
  const problem = h('div');
  const form = h('form', { class: 'stack component-search', role: 'search' },
    h('div', { class: 'field' }, h('label', { for: 'component-purl' }, 'Package URL'), purl,
      h('p', { class: 'hint', id: 'component-purl-hint' }, 'The package without or with a version (the version is ignored): pkg:npm/lodash, pkg:pypi/django, pkg:golang/golang.org/x/net.')),
    h('div', { class: 'field' }, h('label', { for: 'component-range' }, 'Version range (optional)'), range,
      h('p', { class: 'hint', id: 'component-range-hint' }, 'Comparisons separated by commas, in the ecosystem\u2019s version order: >=4.0.0,<4.17.21 or =1.2.3. Empty: every version.')),
    h('div', null, submit), problem);
  // A search is a navigation, so that it can be bookmarked, reloaded and gone back to.
  onSubmit(form, submit, problem, signal, async () => {
    navigate('/components' + qs({ purl: purl.value.trim(), range: range.value.trim(), limit: limit === PAGE ? '' : limit }));
  });

  const page = h('div', null,
    h('h1', null, 'Components'),
    h('p', null, 'Which artifacts of your teams contain a package, and in which versions?'),
    form);
  const wanted = (query.get('purl') || '').trim();
  if (!wanted) return page;

  const tbody = h('tbody');
  const add = group(tbody);
  const more = h('button', { type: 'button', class: 'more', hidden: true }, 'Load more');
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const loadProblem = h('div');
  const resultTable = h('table', { class: 'component-hits' },
    h('thead', null, h('tr', null, ['Artifact', 'Version', 'Team', 'Matching components'].map((c) => h('th', { scope: 'col' }, c)))),
    tbody);
  const wantedRange = (query.get('range') || '').trim();
  const what = `${wanted}${wantedRange ? ` ${wantedRange}` : ''}`;
  let next = '';
  let found = 0;
  let artifacts = 0;
  async function load() {
    const answer = await get('/components' + qs({ purl: wanted, range: wantedRange, limit, after: next }), signal);
    for (const hit of items(answer)) {
      artifacts = add(hit);
      found++;
    }
    next = (answer && answer.next) || '';
    more.hidden = !next;
    resultTable.hidden = found === 0;
    loadProblem.replaceChildren();
    status.textContent = found === 0
      ? `No artifact of your teams contains ${what}.`
      : `${found} component${found === 1 ? '' : 's'} in ${artifacts} artifact${artifacts === 1 ? '' : 's'}${next ? ' so far' : ''} for ${what}.`;
  }
  more.addEventListener('click', () => load().catch((err) => { if (!signal.aborted) loadProblem.replaceChildren(errorBox(err)); }));
  try {
    await load();
  } catch (err) {
    if (signal.aborted) throw err;
    // A malformed package URL or range: the form stays, with the server's reason.
    if (err.status !== 400) throw err;
    problem.replaceChildren(errorBox(err));
    return page;
  }
  page.append(h('section', { class: 'panel', 'aria-labelledby': 'sec-results' },
    h('h2', { id: 'sec-results' }, 'Results'), status, loadProblem, resultTable, more));
  return page;
}
