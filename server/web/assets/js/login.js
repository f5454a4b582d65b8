// The login page: single sign-on through /auth/login, or (for development) an API token
// used as a bearer token by this tab only.

import { APIError, session, setToken } from './api.js';
import { h } from './dom.js';

/** The login page; onSignedIn is called once a token has been accepted. */
export function login({ onSignedIn }) {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const form = h('form', { class: 'token-form' },
    h('label', { for: 'token' }, 'API token'),
    h('div', { class: 'row' }, input, h('button', { type: 'submit' }, 'Use token')),
    h('p', { class: 'hint' }, 'The token stays in this tab (session storage) and is sent as an Authorization: Bearer header. Create one with hallmark admin token create.'),
    status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    setToken(input.value.trim());
    status.textContent = 'Checking the token…';
    try {
      await session();
      onSignedIn();
    } catch (err) {
      setToken('');
      status.textContent = err instanceof APIError && err.status === 401
        ? 'The server did not accept this token.'
        : `The token could not be checked: ${err.message}`;
    }
  });
  return h('section', { class: 'login' },
    h('h1', null, 'Sign in'),
    h('p', null, 'Hallmark shows your teams\u2019 artifacts, findings and deployments once you are signed in.'),
    h('p', null, h('a', { class: 'button', href: '/auth/login' }, 'Sign in')),
    h('details', null, h('summary', null, 'Use an API token (development)'), form));
}
