// Alarms and events with filters on meter, terminal, code and time.
import { Event, get, Page, utcDay } from '../api';
import { t } from '../i18n';
import { card, fmtTime, h, link, table } from '../ui';

export async function events(q: URLSearchParams): Promise<HTMLElement> {
  const p = new URLSearchParams({ limit: '500' });
  for (const k of ['meter', 'terminal', 'code', 'from', 'to']) if (q.get(k)) p.set(k, q.get(k)!);
  if (!q.get('from')) p.set('from', utcDay(-6));
  const page = await get<Page<Event>>('events?' + p);
  const input = (name: string, ph: string, type = 'text') =>
    h('input', { name, type, placeholder: ph, value: p.get(name) || '' });
  const form = h('form', { class: 'filters', onsubmit: (e: globalThis.Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const n = new URLSearchParams();
    f.forEach((v, k) => v && n.set(k, String(v)));
    location.hash = '#/events?' + n;
  } }, input('meter', t('meter')), input('terminal', t('terminal')), input('code', t('code')),
  input('from', t('from'), 'date'), input('to', t('to'), 'date'), h('button', {}, t('filter')));
  return card(`${t('events')} (${page.items.length}${page.next !== null ? '+' : ''})`, form,
    table(['#', t('code'), t('terminal'), t('meter'), t('start'), t('end')], page.items.map((e) => [
      String(e.id), `ERC${e.code}`, e.terminal ? link(`#/terminal/${e.terminal}`, String(e.terminal)) : '—',
      e.meter ? link(`#/meter/${e.meter}`, String(e.meter)) : '—', fmtTime(e.start), e.end ? fmtTime(e.end) : t('open')])));
}
