// Analyses, shared by the advisory page (per package) and the artifact page (per finding): the
// states and justifications, the form fields that record one, and the audit trail.

import { items } from './api.js';
import { h, errorBox, table, time } from './dom.js';

/** The analysis states, with their labels. */
export const STATES = [
  ['in_triage', 'In triage'],
  ['affected', 'Affected'],
  ['not_affected', 'Not affected'],
  ['false_positive', 'False positive'],
  ['resolved', 'Resolved'],
];

/** The OpenVEX (CISA) justifications of a not_affected state, with their labels. */
export const JUSTIFICATIONS = [
  ['component_not_present', 'Component not present'],
  ['vulnerable_code_not_present', 'Vulnerable code not present'],
  ['vulnerable_code_not_in_execute_path', 'Vulnerable code not in execute path'],
  ['vulnerable_code_cannot_be_controlled_by_adversary', 'Vulnerable code cannot be controlled by adversary'],
  ['inline_mitigations_already_exist', 'Inline mitigations already exist'],
];

/** A state or justification as words: "not_affected" → "not affected". */
export function words(value) {
  return String(value || '').replaceAll('_', ' ');
}

/** A labelled form field: the control with its label and an optional hint. */
export function field(id, text, control, hint) {
  return h('div', { class: 'field' }, h('label', { for: id }, text), control, hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null);
}

/** A <select> of [value, label] options. */
export function select(id, options, value) {
  return h('select', { id, name: id }, options.map(([v, t]) => h('option', { value: v, selected: v === value }, t)));
}

/**
 * The fields of an analysis, with ids prefix-state, prefix-justification, prefix-action and
 * prefix-comment: the justification is asked for only when not affected, the action (then
 * required) only when affected. body() is the analysis to send; clear() empties the comment.
 */
export function analysisFields(prefix, initial = {}) {
  const state = select(`${prefix}-state`, STATES, initial.state || 'in_triage');
  const justification = select(`${prefix}-justification`, JUSTIFICATIONS, initial.justification || JUSTIFICATIONS[0][0]);
  const action = h('input', { id: `${prefix}-action`, name: `${prefix}-action`, autocomplete: 'off', value: initial.action || '' });
  const comment = h('textarea', { id: `${prefix}-comment`, name: `${prefix}-comment`, rows: 3 });
  const justWrap = field(`${prefix}-justification`, 'Justification', justification);
  const actionWrap = field(`${prefix}-action`, 'Action statement', action, 'What is being done about it (required when affected).');
  const sync = () => {
    justWrap.hidden = state.value !== 'not_affected';
    actionWrap.hidden = state.value !== 'affected';
    action.required = state.value === 'affected';
  };
  state.addEventListener('change', sync);
  sync();
  return {
    nodes: [field(`${prefix}-state`, 'State', state), justWrap, actionWrap, field(`${prefix}-comment`, 'Comment', comment)],
    body() {
      const b = { state: state.value, comment: comment.value.trim() };
      if (state.value === 'not_affected') b.justification = justification.value;
      if (state.value === 'affected') b.action = action.value.trim();
      return b;
    },
    clear() {
      comment.value = '';
    },
  };
}

/** The state of an analysis, coloured, or "not triaged" without one. */
export function stateBadge(a) {
  if (!a || !a.state) return h('span', { class: 'muted' }, 'not triaged');
  return h('span', { class: `state state-${a.state}`, title: [a.justification, a.action, a.comment].filter(Boolean).join(' — ') }, words(a.state));
}

/**
 * The audit trail (an API answer, or the Error reading it failed with), newest first.
 * subject(entry) says what an entry's analysis is about; by default its package or finding.
 */
export function auditTable(answer, { empty = 'No analysis has been recorded yet.', subject, attrs = { class: 'audit' } } = {}) {
  if (answer instanceof Error) return errorBox(answer);
  const list = items(answer);
  if (list.length === 0) return h('p', { class: 'muted' }, empty);
  const about = subject || ((e) => h('code', { class: 'wrap' }, e.purl || (e.finding_id ? `finding ${e.finding_id}` : '—')));
  return table(null, ['Time', 'Author', 'Applies to', 'Change', 'Justification or action', 'Comment'], list.map((e) => {
    const from = e.previous_state || '';
    return [
      time(e.time),
      e.via ? `${e.author} (via ${e.via})` : e.author || '—',
      about(e),
      h('span', null, from ? `${words(from)} \u2192 ` : '', h('strong', null, words(e.state))),
      e.justification || e.action || '—',
      e.comment || '—',
    ];
  }), attrs);
}
