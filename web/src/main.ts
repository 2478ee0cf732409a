// The dashboard shell: login, navigation, language toggle and hash routes.
import './style.css';
import { ApiError, get, Meter, Page, setToken, token } from './api';
import { lang, setLang, t } from './i18n';
import { area } from './pages/area';
import { commands } from './pages/commands';
import { customer } from './pages/customer';
import { events } from './pages/events';
import { meter } from './pages/meter';
import { meterEdit } from './pages/meter_edit';
import { overview } from './pages/overview';
import { points } from './pages/points';
import { plan, plans } from './pages/plans';
import { protect } from './pages/protect';
import { report } from './pages/report';
import { terminal, terminals } from './pages/terminals';
import { disposeCharts, h } from './ui';

const app = document.getElementById('app')!;

type Route = [RegExp, (m: RegExpMatchArray, q: URLSearchParams) => Promise<HTMLElement>];
const routes: Route[] = [
  [/^\/?$/, () => overview()],
  [/^\/terminals$/, (_m, q) => terminals(q)],
  [/^\/terminal\/(\d+)$/, (m) => terminal(Number(m[1]))],
  [/^\/meter\/(\d+)$/, (m) => meter(Number(m[1]))],
  [/^\/area\/(.+)$/, (m) => area(decodeURIComponent(m[1]))],
  [/^\/events$/, (_m, q) => events(q)],
  [/^\/report$/, (_m, q) => report(q)],
  [/^\/commands$/, () => commands()],
  [/^\/meter\/(\d+)\/edit$/, (m) => meterEdit(Number(m[1]))],
  [/^\/customer\/(.+)$/, (m) => customer(decodeURIComponent(m[1]))],
  [/^\/points$/, (_m, q) => points(q)],
  [/^\/plans$/, () => plans()],
  [/^\/plan\/(\d+)$/, (m) => plan(Number(m[1]))],
  [/^\/protect$/, () => protect()],
];

function loginScreen(): void {
  document.title = t('title');
  const input = h('input', { id: 'token', type: 'password', placeholder: 'mh_…', autocomplete: 'off', size: 70 }) as HTMLInputElement;
  const msg = h('p', { class: 'error', id: 'login-error' });
  const form = h('form', { class: 'login', onsubmit: async (e: Event) => {
    e.preventDefault();
    const tok = input.value.trim();
    try {
      await get('health', tok);
      setToken(tok);
      render();
    } catch (err) {
      msg.textContent = `${t('badToken')}: ${(err as Error).message}`;
    }
  } }, h('h1', {}, t('title')), h('p', {}, t('loginHint')), h('label', {}, t('token'), input),
  h('button', { id: 'login', type: 'submit' }, t('login')), msg, langToggle());
  app.replaceChildren(form);
  input.focus();
}

function langToggle(): HTMLElement {
  return h('button', { class: 'lang', id: 'lang', type: 'button', onclick: () => {
    setLang(lang() === 'zh' ? 'en' : 'zh');
    render();
  } }, lang() === 'zh' ? 'English' : '中文');
}

function nav(path: string): HTMLElement {
  const item = (href: string, label: string, re: RegExp) =>
    h('a', { href, class: re.test(path) ? 'active' : '' }, label);
  const search = h('form', { class: 'search', onsubmit: async (e: Event) => {
    e.preventDefault();
    const v = (e.target as HTMLFormElement).querySelector('input')!.value.trim();
    const p = await get<Page<Meter>>(`meters?address=${encodeURIComponent(v)}&limit=1`);
    if (p.items.length) location.hash = `#/meter/${p.items[0].id}`;
  } }, h('input', { placeholder: `${t('meter')} ${t('address')}`, size: 14 }));
  return h('header', {}, h('b', { class: 'brand' }, 'meterhub'),
    item('#/', t('overview'), /^\/?$/), item('#/terminals', t('terminals'), /^\/terminal/),
    item('#/events', t('events'), /^\/events/), item('#/report', t('report'), /^\/report/),
    item('#/commands', t('commands'), /^\/commands/),
    item('#/plans', t('plans'), /^\/plans?(\/|$)/), item('#/protect', t('protectPrepay'), /^\/protect/),
    h('span', { class: 'spacer' }), search, langToggle(),
    h('button', { type: 'button', onclick: () => { setToken(null); render(); } }, t('logout')));
}

let seq = 0;
async function render(): Promise<void> {
  document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en';
  if (!token()) return loginScreen();
  document.title = t('title');
  const [path, qs] = location.hash.replace(/^#/, '').split('?');
  const main = h('main', { id: 'page' }, h('p', { class: 'loading' }, t('loading')));
  disposeCharts();
  app.replaceChildren(nav(path || '/'), main);
  const my = ++seq;
  for (const [re, fn] of routes) {
    const m = (path || '/').match(re);
    if (!m) continue;
    try {
      const el = await fn(m, new URLSearchParams(qs || ''));
      if (my === seq) main.replaceChildren(el);
    } catch (err) {
      if (my === seq)
        main.replaceChildren(h('p', { class: 'error' }, err instanceof ApiError ? `${err.status}: ${err.message}` : String(err)));
    }
    if (my === seq) main.setAttribute('data-ready', '1');
    return;
  }
  main.replaceChildren(h('p', { class: 'error' }, `404 ${path}`));
}

window.addEventListener('hashchange', render);
window.addEventListener('meterhub:unauthorized', () => { setToken(null); render(); });
render();
