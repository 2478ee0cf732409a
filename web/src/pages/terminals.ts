// Terminals: status, last contact, channel group, and one terminal's online history.
import { all, Link, Meter, Terminal, get, Page } from '../api';
import { t } from '../i18n';
import { card, chart, fmtTime, h, link, table } from '../ui';

export async function terminals(q: URLSearchParams): Promise<HTMLElement> {
  const filt = new URLSearchParams();
  for (const k of ['region', 'kind', 'online']) if (q.get(k)) filt.set(k, q.get(k)!);
  const list = await all<Terminal>('terminals' + (filt.toString() ? '?' + filt : ''));
  const state = (x: Terminal) => h('span', { class: x.online ? 'ok' : x.online === false ? 'bad' : '' },
    x.online ? t('online') : x.online === false ? t('offline') : t('unknown'));
  const form = h('form', { class: 'filters', onsubmit: (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const p = new URLSearchParams();
    f.forEach((v, k) => v && p.set(k, String(v)));
    location.hash = '#/terminals?' + p;
  } },
  h('input', { name: 'region', placeholder: t('region'), value: q.get('region') || '' }),
  h('select', { name: 'online' }, h('option', { value: '' }, t('status')),
    h('option', { value: '1', selected: q.get('online') === '1' }, t('online')),
    h('option', { value: '0', selected: q.get('online') === '0' }, t('offline'))),
  h('button', {}, t('filter')));
  return card(`${t('terminals')} (${list.length})`, form, table(
    ['#', t('region'), t('address'), t('kind'), t('protocol'), t('channelGroup'), t('points'), t('status'), t('lastContact')],
    list.map((x) => [link(`#/terminal/${x.id}`, String(x.id)), x.region, x.address, x.kind, x.protocol,
      x.channel_group, String(x.points), state(x), fmtTime(x.since)])));
}

export async function terminal(id: number): Promise<HTMLElement> {
  const [x, links, meters] = await Promise.all([
    get<Terminal>(`terminals/${id}`),
    get<Page<Link>>(`terminals/${id}/links?limit=1000`),
    all<Meter>(`meters?terminal=${id}`),
  ]);
  // The history as a step line: 1 online, 0 offline, up to now.
  const pts = links.items.map((l) => [l.time, l.online ? 1 : 0]);
  if (pts.length) pts.push([new Date().toISOString(), pts[pts.length - 1][1]]);
  const hist = chart({
    xAxis: { type: 'time' },
    yAxis: { type: 'value', min: 0, max: 1, interval: 1, axisLabel: { formatter: (v: number) => (v ? t('online') : t('offline')) } },
    series: [{ type: 'line', step: 'end', data: pts, areaStyle: {} }],
  }, pts.length, 'chart-links');
  return h('div', { class: 'grid' },
    card(`${t('terminal')} ${x.region}/${x.address}`, table([t('kind'), t('protocol'), t('channelGroup'), t('status'), t('lastContact')],
      [[x.kind, x.protocol, x.channel_group, x.online ? t('online') : t('offline'), fmtTime(x.since)]])),
    card(t('history'), hist,
      table([t('time'), t('status'), ''], links.items.slice(-20).reverse().map((l) => [fmtTime(l.time), l.online ? t('online') : t('offline'), l.reason || '']))),
    card(`${t('meters')} (${meters.length})`, table(['#', 'pn', t('address'), t('protocol'), t('customer'), t('area')],
      meters.map((m) => [link(`#/meter/${m.id}`, String(m.id)), String(m.pn), m.address, m.protocol, m.customer,
        m.area ? link(`#/area/${encodeURIComponent(m.area)}`, m.area + (m.area_meter ? ' ★' : '')) : '—']))));
}
