// Overview: terminals online, today's success rate and its trend, events by type, regions.
import { all, Event, get, Rates, Terminal, utcDay } from '../api';
import { t } from '../i18n';
import { card, chart, h, link } from '../ui';

const TREND_DAYS = 7;

export async function overview(): Promise<HTMLElement> {
  const days = Array.from({ length: TREND_DAYS }, (_, i) => utcDay(i - TREND_DAYS + 1));
  const [terms, rates, events] = await Promise.all([
    all<Terminal>('terminals'),
    Promise.all(days.map((d) => get<Rates>(`collection/rates?day=${d}&group=kind`))),
    all<Event>(`events?from=${utcDay(-6)}`, 5000),
  ]);
  const online = terms.filter((x) => x.online).length;
  const today = rates[rates.length - 1].total;
  const pct = (r: { meters: number; collected: number }) => (r.meters ? (100 * r.collected) / r.meters : null);
  const todayPct = pct(today);

  const kpis = h('div', { class: 'kpis' },
    h('div', { class: 'kpi', id: 'kpi-online' }, h('span', {}, t('terminalsOnline')), h('b', {}, `${online} / ${terms.length}`)),
    h('div', { class: 'kpi', id: 'kpi-rate' }, h('span', {}, t('successToday')),
      h('b', {}, todayPct === null ? '—' : `${todayPct.toFixed(2)} %`),
      h('small', {}, `${today.collected} / ${today.meters}`)));

  const trendVals = rates.map((r) => pct(r.total));
  const trend = chart({
    xAxis: { type: 'category', data: days.map((d) => d.slice(5)) },
    yAxis: { type: 'value', min: (v: { min: number }) => Math.max(0, Math.floor(v.min - 5)), max: 100, name: '%' },
    series: [{ type: 'line', data: trendVals.map((v) => (v === null ? null : +v.toFixed(2))), smooth: true, areaStyle: {} }],
  }, trendVals.filter((v) => v !== null).length, 'chart-trend');

  const byCode = new Map<number, number>();
  for (const e of events) byCode.set(e.code, (byCode.get(e.code) || 0) + 1);
  const codes = [...byCode.keys()].sort((a, b) => a - b);
  const evChart = chart({
    xAxis: { type: 'category', data: codes.map((c) => `ERC${c}`) },
    yAxis: { type: 'value' },
    series: [{ type: 'bar', data: codes.map((c) => byCode.get(c)!) }],
  }, codes.length, 'chart-events');

  // Region → terminal kind → terminals online/total (the archive has no map coordinates).
  const tree = new Map<string, Map<string, Terminal[]>>();
  for (const x of terms) {
    const r = tree.get(x.region) || new Map<string, Terminal[]>();
    r.set(x.kind, [...(r.get(x.kind) || []), x]);
    tree.set(x.region, r);
  }
  const treeEl = h('ul', { class: 'tree' }, ...[...tree.entries()].sort().map(([region, kinds]) => {
    const n = [...kinds.values()].flat();
    return h('li', {}, h('details', { open: true },
      h('summary', {}, `${t('region')} ${region}: ${n.filter((x) => x.online).length} / ${n.length}`),
      h('ul', {}, ...[...kinds.entries()].map(([kind, ts]) =>
        h('li', {}, link(`#/terminals?region=${region}&kind=${kind}`,
          `${kind}: ${ts.filter((x) => x.online).length} / ${ts.length} ${t('online')}`))))));
  }));

  return h('div', { class: 'grid' }, kpis, card(t('trend'), trend), card(t('eventsByType'), evChart),
    card(t('regionTree'), treeEl));
}
