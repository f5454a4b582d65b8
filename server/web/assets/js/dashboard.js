// The dashboard: open findings by severity and environment, their trend, the mean time to
// remediate and the packages with the most versions in use.

import { get } from './api.js';
import { h, badge, levelsOf, section, table } from './dom.js';
import { trendChart } from './chart.js';

function severityCards(bySeverity) {
  const levels = levelsOf({ critical: 0, high: 0, medium: 0, low: 0 }, bySeverity);
  return h('ul', { class: 'cards', 'aria-label': 'Open findings by severity' }, levels.map((l) =>
    h('li', { class: 'card' }, h('span', { class: 'figure' }, String(bySeverity[l] || 0)), badge(l))));
}

function environments(byEnv) {
  const envs = Object.keys(byEnv || {}).sort();
  if (envs.length === 0) return h('p', { class: 'muted' }, 'No deployment has open findings (or nothing is deployed yet).');
  const levels = levelsOf(...envs.map((e) => byEnv[e])).filter((l) => envs.some((e) => byEnv[e][l] > 0));
  return table(null, ['Environment', ...levels, 'Total'], envs.map((e) => {
    const row = byEnv[e];
    const total = levels.reduce((n, l) => n + (row[l] || 0), 0);
    return [e, ...levels.map((l) => String(row[l] || 0)), String(total)];
  }), { class: 'numbers' });
}

function mttr(hours) {
  if (hours === null || hours === undefined) return h('p', { class: 'muted' }, 'No finding has been remediated yet.');
  const text = hours >= 48 ? `${(hours / 24).toFixed(1)} days` : `${hours.toFixed(1)} hours`;
  return h('p', { class: 'figure big' }, text);
}

function sprawl(list) {
  if (!list || list.length === 0) return h('p', { class: 'muted' }, 'No package is used in more than one version.');
  return table(null, ['Package', 'Ecosystem', 'Versions', 'Some of them'], list.map((p) => [
    h('code', null, p.name),
    p.ecosystem,
    String(p.versions),
    h('span', { class: 'versions' }, (p.sample || []).join(', ')),
  ]));
}

/** The dashboard page. */
export async function dashboard({ signal }) {
  const m = await get('/metrics?days=30', signal);
  return h('div', null,
    h('h1', null, 'Dashboard'),
    section('Open findings', severityCards(m.open_by_severity || {})),
    h('div', { class: 'grid' },
      section('Trend over 30 days', trendChart(m.trend)),
      section('By environment', environments(m.open_by_environment))),
    h('div', { class: 'grid' },
      section('Mean time to remediate', mttr(m.mean_time_to_remediate_hours)),
      section('Version sprawl', sprawl(m.version_sprawl))));
}
