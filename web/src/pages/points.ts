// Measurement points (GET /points): which meter each terminal's pn reads, filtered by the query
// (terminal, meter, area, protocol) as the API takes them.
import { get, Page, Point } from '../api';
import { t } from '../i18n';
import { card, h, link, table } from '../ui';

const FILTERS = ['terminal', 'meter', 'area', 'protocol'];

export async function points(q: URLSearchParams): Promise<HTMLElement> {
  const args = new URLSearchParams();
  for (const k of FILTERS) if (q.get(k)) args.set(k, q.get(k)!);
  args.set('limit', '1000');
  if (q.get('after')) args.set('after', q.get('after')!);
  const p = await get<Page<Point>>(`points?${args}`);
  const rows = p.items.map((x) => [
    link(`#/terminal/${x.terminal}`, `${x.region}/${x.terminal_address}`), String(x.pn),
    link(`#/meter/${x.meter}`, x.meter_address), x.protocol,
    x.customer ? link(`#/customer/${encodeURIComponent(x.customer)}`, x.customer) : '—',
    x.area ? link(`#/area/${encodeURIComponent(x.area)}`, x.area) : '—', x.active ? t('active') : '—']);
  const next = new URLSearchParams(q);
  if (p.next !== null) next.set('after', String(p.next));
  return h('div', { id: 'points' }, card(t('pointsList'),
    table([t('terminal'), 'pn', t('meter'), t('protocol'), t('customer'), t('area'), t('status')], rows),
    p.next !== null ? link(`#/points?${next}`, '→') : null));
}
