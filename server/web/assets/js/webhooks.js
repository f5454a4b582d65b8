// Webhooks: where finding.opened and finding.resolved events go, whether their deliveries
// fail, and the form to register one.

import { get, items, qs, request } from './api.js';
import { h, errorBox, onSubmit, section, table, time } from './dom.js';

const EVENTS = ['finding.opened', 'finding.resolved'];

function deliveriesTable(list) {
  if (list.length === 0) return h('p', { class: 'muted' }, 'No delivery to this webhook has failed.');
  return table(null, ['Event', 'State', 'Attempts', 'Last answer', 'Next attempt'], list.map((d) => [
    h('span', null, d.event_type, h('div', { class: 'sub' }, h('code', null, d.key))),
    h('span', { class: d.state === 'failed' ? 'bad' : null }, d.state),
    String(d.attempts),
    d.last_error || (d.last_status ? `HTTP ${d.last_status}` : h('span', { class: 'muted' }, '—')),
    d.next_attempt ? time(d.next_attempt) : h('span', { class: 'muted' }, '—'),
  ]), { class: 'deliveries' });
}

/** The webhooks page. */
export async function webhooks({ signal }) {
  const listBox = h('div', { id: 'webhook-list' });
  const listProblem = h('div');

  async function loadList() {
    const list = items(await get('/webhooks', signal));
    if (list.length === 0) {
      listBox.replaceChildren(h('p', { class: 'muted' }, 'No webhook is registered: events are kept but sent nowhere.'));
      return;
    }
    const tbody = h('tbody');
    for (const wh of list) {
      const detailsId = `deliveries-${wh.id}`;
      const detailsRow = h('tr', { hidden: true }, h('td', { colspan: 6, id: detailsId }));
      const show = h('button', { type: 'button', class: 'small', 'aria-expanded': 'false', 'aria-controls': detailsId }, 'Failed deliveries');
      show.addEventListener('click', async () => {
        const open = show.getAttribute('aria-expanded') !== 'true';
        show.setAttribute('aria-expanded', String(open));
        detailsRow.hidden = !open;
        if (!open) return;
        const cell = detailsRow.firstChild;
        cell.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
        try {
          cell.replaceChildren(deliveriesTable(items(await get(`/webhooks/${wh.id}/deliveries${qs({ failed: 'true', limit: 50 })}`, signal))));
        } catch (err) {
          cell.replaceChildren(errorBox(err));
        }
      });
      const del = h('button', { type: 'button', class: 'small delete' }, 'Delete');
      let armed = false;
      del.addEventListener('click', async () => {
        if (!armed) {
          armed = true;
          del.textContent = 'Confirm delete';
          return;
        }
        try {
          await request('DELETE', `/webhooks/${wh.id}`, { signal });
          await loadList();
        } catch (err) {
          listProblem.replaceChildren(errorBox(err));
        }
      });
      const status = wh.last_error
        ? h('span', null, h('span', { class: 'bad' }, '\u2717 failing'), h('div', { class: 'sub' }, wh.last_error))
        : h('span', { class: 'ok' }, '\u2713 ok');
      tbody.append(
        h('tr', { 'data-webhook': wh.id },
          h('th', { scope: 'row' }, h('code', { class: 'wrap' }, wh.url)),
          h('td', null, (wh.events || []).length ? wh.events.join(', ') : 'all events'),
          h('td', null, time(wh.created)),
          h('td', null, status),
          h('td', { class: 'num' }, String(wh.failing || 0)),
          h('td', null, h('div', { class: 'row' }, show, del))),
        detailsRow);
    }
    listBox.replaceChildren(h('table', { class: 'webhooks' },
      h('thead', null, h('tr', null, ['URL', 'Events', 'Registered', 'Latest attempt', 'Given up', 'Actions'].map((c) =>
        h('th', { scope: 'col', class: c === 'Given up' ? 'num' : null }, c)))),
      tbody));
  }

  // The registration form.
  const url = h('input', { id: 'webhook-url', name: 'url', type: 'url', required: true, placeholder: 'https://alerts.example.com/hallmark', autocomplete: 'off' });
  const secret = h('input', { id: 'webhook-secret', name: 'secret', type: 'password', required: true, minlength: 16, maxlength: 1024, autocomplete: 'new-password', 'aria-describedby': 'webhook-secret-hint' });
  const boxes = EVENTS.map((e) => h('input', { type: 'checkbox', id: `webhook-event-${e.replace('.', '-')}`, name: 'events', value: e }));
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const problem = h('div');
  const submit = h('button', { type: 'submit' }, 'Register webhook');
  const form = h('form', { class: 'stack webhook' },
    h('div', { class: 'field' }, h('label', { for: 'webhook-url' }, 'URL'), url),
    h('div', { class: 'field' }, h('label', { for: 'webhook-secret' }, 'Secret'), secret,
      h('p', { class: 'hint', id: 'webhook-secret-hint' }, '16 to 1024 characters, random (hex or base64). Each delivery is signed with HMAC-SHA256 under it; it is never shown again.')),
    h('fieldset', null, h('legend', null, 'Events (none ticked: all)'),
      boxes.map((b) => h('div', { class: 'check' }, b, h('label', { for: b.id }, b.value)))),
    h('div', null, submit), status, problem);
  onSubmit(form, submit, problem, signal, async () => {
    const body = { url: url.value.trim(), secret: secret.value, events: boxes.filter((b) => b.checked).map((b) => b.value) };
    await request('POST', '/webhooks', { body, signal });
    status.textContent = `Registered ${body.url}.`;
    form.reset();
    await loadList();
  });

  await loadList();
  return h('div', null,
    h('h1', null, 'Webhooks'),
    section('Registered webhooks', listProblem, listBox),
    section('Register a webhook', form));
}
