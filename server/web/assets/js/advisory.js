// Advisories: a lookup form, and an advisory's page with what it affects across the
// portfolio, the triage form and the audit trail.

import { get, getFile, items, request } from './api.js';
import { h, badge, digest, onSubmit, purlPackage, section, table, time } from './dom.js';
import { analysisFields, auditTable, field, select, words } from './triage.js';

// saveFile offers blob to the user as a file named name.
function saveFile(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

// vexExport is the form that downloads the teams' analyses as one OpenVEX document.
function vexExport(signal) {
  const button = h('button', { type: 'submit' }, 'Download OpenVEX');
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const problem = h('div');
  const form = h('form', { class: 'vex-export' },
    h('p', null, 'Every analysis of your teams, as an OpenVEX document for the consumers of your artifacts.'),
    h('div', null, button), status, problem);
  onSubmit(form, button, problem, signal, async () => {
    const blob = await getFile('/vex/export', signal);
    const doc = JSON.parse(await blob.text());
    const n = (doc.statements || []).length;
    saveFile(blob, 'hallmark.openvex.json');
    status.textContent = `Downloaded an OpenVEX document with ${n} statement${n === 1 ? '' : 's'}.`;
  });
  return form;
}

/** The advisory lookup page. */
export async function advisories({ navigate, signal }) {
  const input = h('input', { id: 'advisory-id', name: 'id', required: true, autocomplete: 'off', placeholder: 'GHSA-…, CVE-…, PYSEC-…' });
  const form = h('form', { class: 'row lookup' }, input, h('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = input.value.trim();
    if (id) navigate(`/advisories/${encodeURIComponent(id)}`);
  });
  return h('div', null,
    h('h1', null, 'Advisories'),
    h('p', null, 'Which artifacts and deployments does an advisory affect? Enter its ID or one of its aliases.'),
    section('Look an advisory up', h('label', { for: 'advisory-id' }, 'Advisory ID or alias'), form),
    section('Export the analyses', vexExport(signal)));
}

function osvSeverity(doc) {
  const ds = doc.database_specific || {};
  const parts = [];
  if (ds.severity) parts.push(badge(String(ds.severity).toLowerCase() === 'moderate' ? 'medium' : String(ds.severity).toLowerCase(), String(ds.severity).toLowerCase()));
  for (const sv of doc.severity || []) parts.push(' ', h('code', { class: 'wrap' }, `${sv.type}: ${sv.score}`));
  return parts.length ? parts : '—';
}

function summary(doc) {
  const dl = h('dl', { class: 'summary' });
  const add = (k, v) => dl.append(h('dt', null, k), h('dd', null, v));
  add('Aliases', (doc.aliases || []).join(', ') || '—');
  add('Severity', osvSeverity(doc));
  add('Published', time(doc.published));
  add('Modified', time(doc.modified));
  if (doc.withdrawn) add('Withdrawn', time(doc.withdrawn));
  const pkgs = (doc.affected || []).map((a) => a.package && `${a.package.ecosystem}/${a.package.name}`).filter(Boolean);
  add('Packages', [...new Set(pkgs)].join(', ') || '—');
  const refs = (doc.references || []).filter((r) => /^https?:\/\//.test(r.url)).slice(0, 12);
  return h('div', null,
    doc.summary ? h('p', { class: 'lead' }, doc.summary) : null,
    dl,
    doc.details ? h('details', null, h('summary', null, 'Details'), h('p', { class: 'details' }, doc.details)) : null,
    refs.length ? h('details', null, h('summary', null, `References (${refs.length})`),
      h('ul', null, refs.map((r) => h('li', null, h('a', { href: r.url, rel: 'noopener noreferrer external', target: '_blank' }, r.url), r.type ? ` (${r.type.toLowerCase()})` : '')))) : null);
}

function affectedTables(affected) {
  const arts = affected.artifacts || [];
  const deps = affected.deployments || [];
  const artTable = arts.length === 0
    ? h('p', { class: 'muted' }, 'No artifact in your teams contains an affected component.')
    : table(null, ['Artifact', 'Version', 'Digest', 'Affected components'], arts.map((a) => [
      a.id ? h('a', { href: `/artifacts/${a.id}` }, a.name) : a.name,
      a.version || '—',
      digest(a.digest),
      h('ul', { class: 'plain' }, (a.components || []).map((c) => h('li', null, h('code', { class: 'wrap' }, c.purl || `${c.name}@${c.version}`)))),
    ]), { class: 'affected-artifacts' });
  const byDigest = new Map(arts.map((a) => [a.digest, a]));
  const depTable = deps.length === 0
    ? h('p', { class: 'muted' }, 'None of the affected artifacts is recorded as deployed.')
    : table(null, ['Environment', 'Target', 'Artifact', 'Since'], deps.map((d) => {
      const a = byDigest.get(d.artifact_digest);
      const name = d.artifact_name || (a && `${a.name} ${a.version || ''}`.trim());
      return [d.environment, d.target || '—', name ? h('span', { title: d.artifact_digest }, name) : digest(d.artifact_digest), time(d.time)];
    }), { class: 'affected-deployments' });
  return { artTable, depTable, count: arts.length, deployed: deps.length };
}

// inForce lists the latest state per package of an audit trail (newest first).
function inForce(list) {
  const latest = new Map();
  for (const e of list) if (e.purl && !latest.has(e.purl)) latest.set(e.purl, e);
  if (latest.size === 0) return null;
  return h('ul', { class: 'in-force', 'aria-label': 'Analyses in force' }, [...latest.values()].map((e) =>
    h('li', null, h('code', null, e.purl), ': ', h('span', { class: `state state-${e.state}` }, words(e.state)),
      e.justification ? ` (${words(e.justification)})` : '', e.action ? ` (${e.action})` : '')));
}

/** The advisory page. */
export async function advisory({ params, query, signal }) {
  // The affected answer names the advisories with this ID or alias (a CVE is usually an
  // alias): the page shows the one asked for, else the first, and records analyses under its ID.
  const affected = await get(`/advisories/${encodeURIComponent(params[0])}/affected`, signal);
  const ids = affected.ids || [];
  const id = ids.length === 0 || ids.includes(params[0]) ? params[0] : ids[0];
  const base = `/advisories/${encodeURIComponent(id)}`;
  const doc = await get(base, signal);
  const others = ids.filter((i) => i !== id);
  const auditBox = h('div', { id: 'audit' });
  async function loadAudit() {
    const answer = await get(`${base}/audit`, signal).catch((err) => err);
    if (signal.aborted) return;
    const list = answer instanceof Error ? [] : items(answer);
    auditBox.replaceChildren(...[inForce(list)].filter(Boolean), auditTable(answer, { empty: 'No analysis has been recorded for this advisory yet.' }));
  }
  const tables = affectedTables(affected);

  // The triage form: one analysis per affected package (purl without version).
  const packages = [...new Set((affected.artifacts || []).flatMap((a) => (a.components || []).map((c) => purlPackage(c.purl))).filter(Boolean))].sort();
  const purl = packages.length > 0
    ? select('triage-purl', packages.map((p) => [p, p]), packages.includes(query.get('purl')) ? query.get('purl') : packages[0])
    : h('input', { id: 'triage-purl', name: 'triage-purl', required: true, placeholder: 'pkg:npm/lodash' });
  const fields = analysisFields('triage');
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const problem = h('div');
  const submit = h('button', { type: 'submit' }, 'Save analysis');
  const form = h('form', { class: 'triage', 'aria-labelledby': 'sec-triage' },
    field('triage-purl', 'Package', purl, 'The analysis applies to this package in every artifact of your team.'),
    fields.nodes, h('div', null, submit), status, problem);
  onSubmit(form, submit, problem, signal, async () => {
    const body = { purl: purl.value.trim(), ...fields.body() };
    await request('PUT', `${base}/analysis`, { body, signal });
    status.textContent = `Saved: ${body.purl} is ${words(body.state)}.`;
    fields.clear();
    await loadAudit();
  });
  await loadAudit();

  return h('div', null,
    h('p', { class: 'crumbs' }, h('a', { href: '/advisories' }, 'Advisories'), ' / '),
    h('h1', null, id, id !== params[0] ? h('span', { class: 'version' }, ` (${params[0]})`) : null),
    section('Summary', summary(doc),
      others.length ? h('p', null, 'The same vulnerability is also recorded as ',
        others.map((o, i) => [i ? ', ' : '', h('a', { href: `/advisories/${encodeURIComponent(o)}` }, o)]), '.') : null),
    section(`Affected artifacts (${tables.count})`, tables.artTable),
    section(`Deployments (${tables.deployed})`, tables.depTable),
    section('Triage', form),
    section('Audit trail', auditBox));
}
