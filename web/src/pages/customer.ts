// One customer (GET /customers/{code}): its class and every meter of it, retired ones too.
import { CustomerWithMeters, get } from '../api';
import { t } from '../i18n';
import { card, h, link, table } from '../ui';

export async function customer(code: string): Promise<HTMLElement> {
  const c = await get<CustomerWithMeters>(`customers/${encodeURIComponent(code)}`);
  const rows = c.meters.map((m) => [
    link(`#/meter/${m.id}`, m.address), m.protocol,
    m.terminal ? link(`#/terminal/${m.terminal}`, String(m.terminal)) : '—', m.pn === null ? '—' : String(m.pn),
    m.area ? link(`#/area/${encodeURIComponent(m.area)}`, m.area) : '—', m.active ? t('active') : '—']);
  return h('div', { class: 'grid', id: 'customer', 'data-code': c.code },
    card(`${t('customer')} ${c.code}${c.name ? ` ${c.name}` : ''}`, table([t('code'), t('class'), t('metersCol')],
      [[c.code, c.class, String(c.meters.length)]])),
    card(t('meters'), table([t('address'), t('protocol'), t('terminal'), 'pn', t('area'), t('status')], rows)));
}
