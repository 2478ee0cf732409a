// Overview: terminals online, today's success rate and its trend, events by type, regions,
// and live events from the station's stream (terminals going on- and offline, the round).
import { all, Event, get, Rates, subscribe, Terminal, utcDay } from '../api';
import { t } from '../i18n';
import { card, chart, h, link, onLeave } from '../ui';

const LIVE_MAX = 12;

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

  // Live: the online count follows terminal events; the last events and the round's progress are listed.
  const onlineNow = new Set(terms.filter((x) => x.online).map((x) => x.address));
  const onlineEl = kpis.querySelector('#kpi-online b')!;
  const state = h('p', { id: 'live-state', 'data-connected': '0' }, t('liveOff'));
  const roundEl = h('p', { id: 'live-round' });
  const list = h('ul', { id: 'live-events', class: 'live' });
  const stop = subscribe((ev, d) => {
    const data = d as Record<string, unknown>;
    let text = '';
    if (ev === 'terminal') {
      const a = String(data.terminal);
      if (data.online) onlineNow.add(a);
      else onlineNow.delete(a);
      onlineEl.textContent = `${onlineNow.size} / ${terms.length}`;
      text = `${a}: ${data.online ? t('online') : `${t('offline')} (${data.reason})`}`;
    } else if (ev === 'round') {
      roundEl.textContent = `${t('round')}: ${data.collected} / ${data.meters_asked} ${t('collected')}, ` +
        `${data.jobs_done} ${t('jobsDone')}`;
      return;
    } else if (ev === 'read') {
      text = `${t('readResult')} ${data.job}: ${data.status}`;
    } else if (ev === 'event') {
      text = `${t('events')}: ${data.terminal} ERC${data.code}`;
    } else {
      return;
    }
    list.prepend(h('li', { 'data-event': ev }, `${new Date().toLocaleTimeString()} ${text}`));
    while (list.children.length > LIVE_MAX) list.lastElementChild!.remove();
  }, (on) => {
    state.textContent = on ? t('liveOn') : t('liveOff');
    state.setAttribute('data-connected', on ? '1' : '0');
  });
  onLeave(stop);

  return h('div', { class: 'grid' }, kpis, card(t('trend'), trend), card(t('eventsByType'), evChart),
    card(t('regionTree'), treeEl), card(t('live'), state, roundEl, list));
}
