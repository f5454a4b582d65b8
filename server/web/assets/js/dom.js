// Small helpers to build the DOM without HTML strings (so nothing is ever parsed from data)
// and to format the API's values.

const SVG_NS = 'http://www.w3.org/2000/svg';

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

/** An HTML element: h('a', {href: '/'}, 'Home'). Attributes "onX" with functions are listeners. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** The severity levels, most severe first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'unknown'];

/** The severity levels used as keys of the given objects, in SEVERITIES order, then others. */
export function levelsOf(...maps) {
  const seen = new Set();
  for (const m of maps) for (const k of Object.keys(m || {})) seen.add(k);
  const known = SEVERITIES.filter((l) => seen.has(l));
  return known.concat([...seen].filter((l) => !SEVERITIES.includes(l)).sort());
}

/** A CSS-safe class suffix for a severity level. */
export function sevClass(level) {
  const l = String(level || 'unknown').toLowerCase();
  return SEVERITIES.includes(l) ? l : 'unknown';
}

/** A severity badge. */
export function badge(level, text) {
  const l = String(level || 'unknown').toLowerCase();
  return h('span', { class: `badge sev-${sevClass(l)}` }, text === undefined ? l : text);
}

/** A badge per severity with a count: "3 critical 1 high", or "none". */
export function counts(byLevel) {
  const levels = levelsOf(byLevel).filter((l) => byLevel[l] > 0);
  if (levels.length === 0) return h('span', { class: 'muted' }, 'none');
  return h('span', { class: 'counts' }, levels.map((l) => badge(l, `${byLevel[l]} ${l}`)));
}

/** A time as "2026-11-22 01:51 UTC" in a <time> element, or "—". */
export function time(value) {
  if (!value) return h('span', { class: 'muted' }, '—');
  const d = new Date(value);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1971) return h('span', { class: 'muted' }, '—');
  const text = d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  return h('time', { datetime: d.toISOString() }, text);
}

/** A digest shortened for tables, with the whole of it as a tooltip. */
export function digest(value) {
  if (!value) return h('span', { class: 'muted' }, '—');
  const [alg, hex] = value.includes(':') ? value.split(':', 2) : ['', value];
  const short = (alg ? alg + ':' : '') + hex.slice(0, 12);
  return h('code', { title: value }, hex.length > 12 ? short + '…' : value);
}

/** A package URL without its version, qualifiers and subpath. */
export function purlPackage(purl) {
  let p = String(purl || '');
  const cut = p.search(/[?#]/);
  if (cut >= 0) p = p.slice(0, cut);
  const at = p.lastIndexOf('@');
  if (at > p.lastIndexOf('/')) p = p.slice(0, at);
  return p;
}

/** A table with a caption, column headers and rows (arrays of cells). */
export function table(caption, headers, rows, attrs) {
  return h('table', attrs,
    caption ? h('caption', null, caption) : null,
    h('thead', null, h('tr', null, headers.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, rows.map((r) => h('tr', null, r.map((c) => h('td', null, c))))));
}

/** A section with a heading of level 2. */
export function section(title, ...children) {
  const id = 'sec-' + title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return h('section', { class: 'panel', 'aria-labelledby': id }, h('h2', { id }, title), children);
}

/** An error message for the user. */
export function errorBox(err) {
  return h('p', { class: 'error', role: 'alert' }, err && err.message ? err.message : String(err));
}

/**
 * Runs action (async) on each submission of form: button is disabled meanwhile, and an error
 * is shown in problem unless the page has been left (signal aborted).
 */
export function onSubmit(form, button, problem, signal, action) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    problem.replaceChildren();
    button.disabled = true;
    try {
      await action();
    } catch (err) {
      if (!signal.aborted) problem.replaceChildren(errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
}

/** Calls fn after the calls have stopped for wait milliseconds. */
export function debounce(fn, wait) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}
