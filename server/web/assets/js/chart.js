// The trend chart: open findings per day, stacked by severity, drawn as SVG.

import { h, s, levelsOf, sevClass, table } from './dom.js';

const W = 640;
const H = 240;
const M = { top: 12, right: 16, bottom: 28, left: 44 };

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at least max. */
export function niceMax(max) {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/**
 * The trend chart of points ([{day, open: {level: n}}], oldest first) with its legend and a
 * table of the same figures for screen readers and copying.
 */
export function trendChart(points) {
  if (!points || points.length === 0) return h('p', { class: 'muted' }, 'No trend yet: findings are counted from the first ingest on.');
  // The levels with open findings on some day, least severe at the bottom.
  const levels = levelsOf(...points.map((p) => p.open)).filter((l) => points.some((p) => (p.open || {})[l] > 0)).reverse();
  if (levels.length === 0) return h('p', { class: 'muted' }, `No open finding from ${points[0].day} to ${points[points.length - 1].day}.`);
  const totals = points.map((p) => levels.reduce((n, l) => n + ((p.open || {})[l] || 0), 0));
  const top = niceMax(Math.max(...totals));
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const x = (i) => M.left + (points.length === 1 ? iw / 2 : (i * iw) / (points.length - 1));
  const y = (v) => M.top + ih - (v * ih) / top;

  const layers = [];
  const base = points.map(() => 0);
  for (const l of levels) {
    const upper = points.map((p, i) => base[i] + ((p.open || {})[l] || 0));
    const fwd = upper.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    const back = base.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).reverse();
    layers.push(s('polygon', { class: `area sev-fill-${sevClass(l)}`, points: fwd.concat(back).join(' ') }));
    layers.push(s('polyline', { class: `line sev-stroke-${sevClass(l)}`, points: fwd.join(' ') }));
    upper.forEach((v, i) => { base[i] = v; });
  }

  const grid = [0, top / 2, top].filter(Number.isInteger).map((v) => s('g', { class: 'tick' },
    s('line', { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }),
    s('text', { x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, String(v))));
  const ticks = [...new Set([0, Math.floor((points.length - 1) / 2), points.length - 1])].map((i) =>
    s('text', { class: 'day', x: x(i), y: H - 8, 'text-anchor': i === 0 ? 'start' : i === points.length - 1 ? 'end' : 'middle' }, points[i].day));

  const last = points[points.length - 1];
  const desc = `Open findings on ${last.day}: ` + (levels.slice().reverse().map((l) => `${(last.open || {})[l] || 0} ${l}`).join(', ') || 'none') + '.';
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'trend-title trend-desc' },
    s('title', { id: 'trend-title' }, `Open findings per day, ${points[0].day} to ${last.day}`),
    s('desc', { id: 'trend-desc' }, desc),
    grid, layers, ticks);
  const legend = h('ul', { class: 'legend', 'aria-hidden': 'true' }, levels.slice().reverse().map((l) =>
    h('li', null, h('span', { class: `swatch sev-bg-${sevClass(l)}` }), l)));
  const data = h('details', null, h('summary', null, 'Figures'),
    table('Open findings per day', ['Day', ...levels.slice().reverse()],
      points.map((p) => [p.day, ...levels.slice().reverse().map((l) => String((p.open || {})[l] || 0))])));
  return h('figure', { class: 'trend' }, svg, legend, data);
}
