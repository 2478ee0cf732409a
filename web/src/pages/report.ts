// Collection report: the success rate by kind, protocol, channel group or region, and failure reasons.
import { Failures, get, Rates, utcDay } from '../api';
import { t } from '../i18n';
import { card, chart, h, table } from '../ui';

const GROUPS = ['kind', 'terminal_protocol', 'meter_protocol', 'channel_group', 'region'];
const CLASSES = ['day_freeze', 'month_freeze', 'curve', 'realtime', 'events'];

export async function report(q: URLSearchParams): Promise<HTMLElement> {
  const day = q.get('day') || utcDay(0), group = q.get('group') || 'kind', cls = q.get('class') || 'day_freeze';
  const [rates, fails] = await Promise.all([
    get<Rates>(`collection/rates?day=${day}&class=${cls}&group=${group}`),
    get<Failures>(`collection/failures?day=${day}&class=${cls}`),
  ]);
  const sel = (name: string, opts: string[], cur: string) =>
    h('select', { name }, ...opts.map((o) => h('option', { value: o, selected: o === cur }, o)));
  const form = h('form', { class: 'filters', onsubmit: (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    location.hash = '#/report?' + new URLSearchParams(f as unknown as Record<string, string>);
  } }, h('input', { type: 'date', name: 'day', value: day }), sel('class', CLASSES, cls), sel('group', GROUPS, group),
  h('button', {}, t('go')));
  const tot = rates.total;
  const rows = rates.groups.map((g) => [g.key, String(g.meters), String(g.collected), String(g.failed), String(g.never_tried),
    g.rate_percent === null ? '—' : `${g.rate_percent} %`]);
  rows.push([t('total'), String(tot.meters), String(tot.collected), String(tot.failed),
    String(tot.meters - tot.collected - tot.failed), tot.meters ? `${((100 * tot.collected) / tot.meters).toFixed(2)} %` : '—']);
  const reasons = fails.reasons.filter((r) => r.count > 0);
  return h('div', { class: 'grid' },
    card(`${t('report')} ${day}`, form, table([t('group'), t('metersCol'), t('collected'), t('failed'), t('neverTried'), t('rate')],
      rates.groups.length ? rows : [])),
    card(t('reasons'), chart({
      tooltip: { trigger: 'item' },
      series: [{ type: 'pie', radius: ['35%', '65%'], data: reasons.map((r) => ({ name: r.reason, value: r.count })) }],
    }, reasons.length, 'chart-reasons'), table([t('reasons'), t('count')], reasons.map((r) => [r.reason, String(r.count)]))));
}
