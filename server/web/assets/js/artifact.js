// An artifact: summary, findings with their triage state and a triage form per finding, the
// dependency paths to the vulnerable components, components, attestations and deployments.

import { get, hasRoute, items, qs, request } from './api.js';
import { h, badge, counts, errorBox, onSubmit, purlPackage, section, table, time } from './dom.js';
import { buildTree, renderTree } from './tree.js';
import { analysisFields, auditTable, stateBadge, words } from './triage.js';

const MAX_PATH_LOOKUPS = 25;

// SCOPES are the session scopes in order; triage and admin may record analyses.
const SCOPES = ['read', 'ingest', 'triage', 'admin'];

// mayTriage says whether the session may record analyses.
function mayTriage(session) {
  return SCOPES.indexOf((session && session.scope) || '') >= SCOPES.indexOf('triage');
}

// findingAudit is the part of an advisory's audit trail that concerns finding f: its own
// analyses and those of its package (which apply while it has none of its own).
function findingAudit(answer, f) {
  if (answer instanceof Error) return answer;
  const pkg = purlPackage(f.component.purl);
  return items(answer).filter((e) => (e.finding_id ? e.finding_id === f.id : e.purl === pkg || e.purl === f.component.purl));
}

// findingTriage fills cell with the triage form of finding f and its audit trail; onSaved
// receives the analysis recorded.
function findingTriage(cell, f, { session, signal, onSaved }) {
  const prefix = `finding-${f.id}`;
  const auditBox = h('div', { class: 'finding-audit' });
  async function loadAudit() {
    const answer = await get(`/advisories/${encodeURIComponent(f.advisory)}/audit${qs({ limit: 1000 })}`, signal).catch((err) => err);
    if (signal.aborted) return;
    auditBox.replaceChildren(h('h3', null, 'Audit trail'), auditTable(findingAudit(answer, f), {
      empty: 'No analysis of this finding or its package has been recorded yet.',
      subject: (e) => (e.finding_id ? 'this finding' : h('code', { class: 'wrap' }, e.purl)),
      attrs: { class: 'audit finding-audit' },
    }));
  }
  let form;
  if (mayTriage(session)) {
    const a = f.analysis && f.analysis.finding_id ? f.analysis : {};
    const fields = analysisFields(prefix, a);
    const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    const problem = h('div');
    const submit = h('button', { type: 'submit' }, 'Save analysis');
    form = h('form', { class: 'triage finding', 'aria-label': `Analysis of ${f.advisory} in ${f.component.name} ${f.component.version}` },
      h('p', { class: 'hint' }, `For this finding only; it takes precedence over the analysis of ${purlPackage(f.component.purl)} on the advisory’s page.`),
      fields.nodes, h('div', null, submit), status, problem);
    onSubmit(form, submit, problem, signal, async () => {
      const body = fields.body();
      const saved = await request('PUT', `/findings/${f.id}/analysis`, { body, signal });
      status.textContent = `Saved: this finding is ${words(body.state)}.`;
      fields.clear();
      onSaved(saved || body);
      await loadAudit();
    });
  } else {
    form = h('p', { class: 'muted' }, `Recording an analysis needs the triage scope; this session has ${session && session.scope ? session.scope : 'none'}.`);
  }
  cell.replaceChildren(form, auditBox);
  return loadAudit();
}

function summary(a) {
  const dl = h('dl', { class: 'summary' });
  const add = (k, v) => dl.append(h('dt', null, k), h('dd', null, v));
  add('Version', a.version || '—');
  add('Team', a.team || '—');
  add('Digest', h('code', { class: 'wrap' }, a.digest || '—'));
  add('SBOM format', a.format || '—');
  add('Components', String(a.components ?? '—'));
  add('Open findings', counts(a.open_findings || {}));
  add('Stored', time(a.created));
  add('Updated', time(a.updated));
  return dl;
}

function attestations(answer) {
  if (answer === null) return h('p', { class: 'muted' }, 'This server does not list attestations.');
  if (answer instanceof Error) return errorBox(answer);
  const list = items(answer);
  if (list.length === 0) return h('p', { class: 'muted' }, 'No attestation names this artifact\u2019s digest.');
  return table(null, ['Predicate type', 'Verification', 'Signer', 'Recorded'], list.map((at) => [
    at.predicate_type ? h('code', { class: 'wrap' }, at.predicate_type) : h('span', { class: 'muted' }, 'message signature'),
    at.verified
      ? h('span', { class: 'ok' }, '\u2713 verified')
      : h('span', null, h('span', { class: 'bad' }, '\u2717 not verified'), at.failure ? h('div', { class: 'sub' }, at.failure) : null),
    at.signer
      ? h('span', null, h('code', { class: 'wrap' }, at.signer), at.issuer ? h('div', { class: 'sub' }, `issued by ${at.issuer}`) : null)
      : h('span', { class: 'muted' }, '—'),
    time(at.verified_at || at.created),
  ]), { class: 'attestations' });
}

function deployments(answer) {
  if (answer instanceof Error) return errorBox(answer);
  const list = items(answer);
  if (list.length === 0) return h('p', { class: 'muted' }, 'Not recorded as deployed anywhere.');
  return table(null, ['Environment', 'Target', 'Since'], list.map((d) => [d.environment, d.target || '—', time(d.time)]), { class: 'deployments' });
}

// attestationsFor reads the artifact's attestations, or null when the server lists none.
async function attestationsFor(base, signal) {
  if (!(await hasRoute('GET', '/api/v1/artifacts/{id}/attestations'))) return null;
  return get(`${base}/attestations`, signal);
}

/** The artifact page. */
export async function artifact({ params, signal, session }) {
  const id = params[0];
  const base = `/artifacts/${encodeURIComponent(id)}`;
  const soft = (p) => p.catch((err) => { if (signal.aborted) throw err; return err; });
  const [a, fAnswer, dAnswer, atAnswer] = await Promise.all([
    get(base, signal),
    get(`${base}/findings${qs({ state: 'all', limit: 1000 })}`, signal),
    soft(get(`${base}/deployments`, signal)),
    soft(attestationsFor(base, signal)),
  ]);
  const findings = items(fAnswer);

  // Dependency paths to the vulnerable components, the open ones first.
  const vulnerable = new Map();
  for (const f of [...findings].sort((x, y) => (x.state === 'open' ? 0 : 1) - (y.state === 'open' ? 0 : 1))) {
    if (!vulnerable.has(f.component.purl) && vulnerable.size < MAX_PATH_LOOKUPS) vulnerable.set(f.component.purl, f.severity);
  }
  const found = new Map();
  await Promise.all([...vulnerable].map(async ([purl, severity]) => {
    const answer = await soft(get(`${base}/paths${qs({ purl })}`, signal));
    const paths = answer instanceof Error ? [] : Array.isArray(answer) ? answer : answer.paths || answer.items || [];
    found.set(purl, { severity, paths });
  }));
  const tree = buildTree(found);
  const treeBox = h('div', { id: 'tree' });
  const treeNote = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  let selected = '';
  const showTree = () => treeBox.replaceChildren(renderTree(`${a.name} ${a.version || ''}`.trim(), tree, selected));
  showTree();

  const pathButtons = [];
  const findingRows = findings.map((f) => {
    const button = h('button', { type: 'button', class: 'small', 'aria-pressed': 'false', 'aria-controls': 'tree', 'data-purl': f.component.purl }, 'Show path');
    pathButtons.push(button);
    button.addEventListener('click', () => {
      selected = selected === f.component.purl ? '' : f.component.purl;
      for (const b of pathButtons) b.setAttribute('aria-pressed', String(b.dataset.purl === selected));
      showTree();
      treeNote.textContent = selected ? `Highlighted the paths to ${selected}.` : 'No path highlighted.';
      if (selected) treeBox.scrollIntoView({ block: 'nearest' });
    });
    const stateBox = h('span', { class: 'in-force-state' }, stateBadge(f.analysis));
    const triageId = `finding-${f.id}-triage`;
    const triageCell = h('td', { colspan: 7, id: triageId });
    const triageRow = h('tr', { class: 'finding-triage', hidden: true }, triageCell);
    const toggle = h('button', { type: 'button', class: 'small triage-toggle', 'aria-expanded': 'false', 'aria-controls': triageId,
      'aria-label': `Triage finding ${f.advisory} in ${f.component.name} ${f.component.version}` }, 'Triage finding');
    let filled = false;
    toggle.addEventListener('click', () => {
      const open = toggle.getAttribute('aria-expanded') !== 'true';
      toggle.setAttribute('aria-expanded', String(open));
      triageRow.hidden = !open;
      if (!open || filled) return;
      filled = true;
      triageCell.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
      findingTriage(triageCell, f, { session, signal, onSaved: (a) => stateBox.replaceChildren(stateBadge(a)) });
    });
    return [h('tr', { class: f.state === 'resolved' ? 'resolved' : null, 'data-finding': f.id },
      h('td', null, badge(f.severity)),
      h('th', { scope: 'row' }, h('a', { href: `/advisories/${encodeURIComponent(f.advisory)}` }, f.advisory),
        f.summary ? h('div', { class: 'sub' }, f.summary) : null),
      h('td', null, h('span', { title: f.component.purl }, `${f.component.name} ${f.component.version}`)),
      h('td', null, (f.fixed_versions || []).join(', ') || h('span', { class: 'muted' }, 'no fix')),
      h('td', null, f.state),
      h('td', { class: 'triage' }, stateBox, h('div', { class: 'actions' }, toggle,
        h('a', { class: 'small-link', href: `/advisories/${encodeURIComponent(f.advisory)}?purl=${encodeURIComponent(purlPackage(f.component.purl))}#sec-triage`, 'aria-label': `Triage ${f.advisory} in ${f.component.name}` }, 'Whole package'))),
      h('td', null, button)), triageRow];
  });
  const findingsTable = findings.length === 0
    ? h('p', { class: 'muted' }, 'No finding: no stored advisory affects these components.')
    : h('table', { class: 'findings' },
      h('thead', null, h('tr', null, ['Severity', 'Advisory', 'Component', 'Fixed in', 'Status', 'Triage', 'Path'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, findingRows));

  // Components, one page at a time.
  const compBody = h('tbody');
  const compMore = h('button', { type: 'button', class: 'more', hidden: true }, 'Load more components');
  const compProblem = h('div');
  let compNext = '';
  async function loadComponents() {
    const page = await get(`${base}/components${qs({ limit: 200, after: compNext })}`, signal);
    for (const c of items(page)) {
      compBody.append(h('tr', null,
        h('th', { scope: 'row' }, c.name),
        h('td', null, c.version || '—'),
        h('td', null, c.ecosystem || '—'),
        h('td', null, c.direct ? 'direct' : 'transitive'),
        h('td', null, h('code', { class: 'wrap' }, c.purl || '—'))));
    }
    compNext = (page && page.next) || '';
    compMore.hidden = !compNext;
  }
  compMore.addEventListener('click', () => loadComponents().catch((err) => compProblem.replaceChildren(errorBox(err))));
  await loadComponents();

  return h('div', null,
    h('p', { class: 'crumbs' }, h('a', { href: '/artifacts' }, 'Artifacts'), ' / '),
    h('h1', null, a.name, ' ', h('span', { class: 'version' }, a.version || '')),
    section('Summary', summary(a)),
    section('Findings', findingsTable),
    section('Dependency paths', h('p', { class: 'hint' }, 'How each vulnerable component gets into the artifact. Choose \u201cShow path\u201d on a finding to highlight its paths.'), treeNote, treeBox),
    section('Components', h('table', { class: 'components' },
      h('thead', null, h('tr', null, ['Name', 'Version', 'Ecosystem', 'Dependency', 'Package URL'].map((c) => h('th', { scope: 'col' }, c)))),
      compBody), compMore, compProblem),
    section('Attestations', attestations(atAnswer)),
    section('Deployments', deployments(dAnswer)));
}
