// The application: session bootstrap, client-side routing with the history API, and the
// header's navigation.

import { APIError, SIGNED_OUT, session, signOut } from './api.js';
import { h, errorBox } from './dom.js';
import { login } from './login.js';
import { dashboard } from './dashboard.js';
import { artifacts } from './artifacts.js';
import { artifact } from './artifact.js';
import { components } from './components.js';
import { advisories, advisory } from './advisory.js';
import { webhooks } from './webhooks.js';

const routes = [
  { re: /^\/$/, nav: 'dashboard', page: dashboard },
  { re: /^\/artifacts\/?$/, nav: 'artifacts', page: artifacts },
  { re: /^\/artifacts\/(\d+)\/?$/, nav: 'artifacts', page: artifact },
  { re: /^\/components\/?$/, nav: 'components', page: components },
  { re: /^\/advisories\/?$/, nav: 'advisories', page: advisories },
  { re: /^\/advisories\/([^/]+)\/?$/, nav: 'advisories', page: advisory },
  { re: /^\/webhooks\/?$/, nav: 'webhooks', page: webhooks },
];

let me = null; // the session, once known
let current = null; // the AbortController of the page being shown

/** Shows path (a same-origin URL path with its query) as a new history entry. */
export function navigate(path, replace = false) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

function userName(user) {
  if (!user) return '';
  if (typeof user === 'string') return user;
  return user.name || user.email || user.subject || user.id || '';
}

function showSession() {
  const who = document.getElementById('who');
  document.querySelector('header nav').hidden = !me;
  if (!me) {
    who.hidden = true;
    return;
  }
  const teams = (me.teams || []).map((t) => (typeof t === 'string' ? t : t.name)).filter(Boolean);
  const name = userName(me.user) || 'signed in';
  document.getElementById('who-name').textContent = teams.length ? `${name} (${teams.join(', ')})` : name;
  who.hidden = false;
}

function markNav(nav) {
  for (const a of document.querySelectorAll('header nav a')) {
    if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function notFound() {
  return h('section', null, h('h1', null, 'Not found'),
    h('p', null, 'There is no page here. ', h('a', { href: '/' }, 'Back to the dashboard'), '.'));
}

/**
 * Renders the page of the current location. After a navigation within the application the
 * focus moves to the new content (a screen reader reads it; the keyboard continues there);
 * on the first load it stays at the top, where "Skip to content" is.
 */
export async function render(moveFocus = true) {
  if (current) current.abort();
  const ctl = new AbortController();
  current = ctl;
  const main = document.getElementById('main');
  main.setAttribute('aria-busy', 'true');
  main.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  let content;
  try {
    if (!me) me = await session(ctl.signal);
    showSession();
    const path = location.pathname;
    const route = routes.find((r) => r.re.test(path));
    markNav(route ? route.nav : '');
    if (!route) {
      content = notFound();
    } else {
      const params = route.re.exec(path).slice(1).map(decodeURIComponent);
      content = await route.page({
        params,
        query: new URLSearchParams(location.search),
        signal: ctl.signal,
        session: me,
        navigate,
      });
    }
  } catch (err) {
    if (ctl.signal.aborted) return;
    if (err instanceof APIError && err.status === 401) {
      me = null;
      showSession();
      markNav('');
      content = login({ onSignedIn: () => render() });
    } else {
      content = h('section', null, h('h1', null, 'Something went wrong'), errorBox(err));
    }
  }
  if (ctl.signal.aborted) return;
  main.replaceChildren(content);
  main.removeAttribute('aria-busy');
  const title = main.querySelector('h1');
  document.title = title ? `${title.textContent} · Hallmark` : 'Hallmark';
  if (moveFocus) main.focus({ preventScroll: true });
  const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target) target.scrollIntoView();
}

// Same-origin links are followed without reloading the page, except the login and API ones
// and those opened elsewhere.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
  if (/^\/(api|auth|assets)\//.test(a.pathname)) return;
  const samePage = a.pathname + a.search === location.pathname + location.search;
  if (samePage && a.hash) return; // an anchor on this page, such as "Skip to content"
  e.preventDefault();
  if (samePage) render();
  else navigate(a.pathname + a.search + a.hash);
});

window.addEventListener('popstate', () => render());

window.addEventListener(SIGNED_OUT, () => {
  me = null;
  render();
});

document.getElementById('sign-out').addEventListener('click', async () => {
  await signOut();
  me = null;
  navigate('/');
});

render(false);
