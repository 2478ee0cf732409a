// One meter: registers, daily consumption, 15-minute load curve, voltage/current, events.
import { all, ApiError, dayStart, Event, get, ITEM, Meter, readings, readNow, Series } from '../api';
import { t } from '../i18n';
import { card, chart, fmtTime, h, link, table } from '../ui';

/** Consumption per day from cumulative day freezes: the difference of consecutive freezes. */
export function dailyDiffs(s: Series | undefined): [string, number][] {
  const r = s ? s.readings : [];
  const out: [string, number][] = [];
  for (let i = 1; i < r.length; i++)
    if (r[i].t - r[i - 1].t === 86400)
      out.push([r[i - 1].time.slice(0, 10), +(Number(r[i].value) - Number(r[i - 1].value)).toFixed(3)]);
  return out;
}

export async function meter(id: number): Promise<HTMLElement> {
  const now = Math.floor(Date.now() / 1000);
  const [m, daily, curve, events] = await Promise.all([
    get<Meter>(`meters/${id}`),
    readings(id, [ITEM.AE_IMP], dayStart(-31), now + 1),
    readings(id, [ITEM.P, ITEM.U_L1, ITEM.I_L1], dayStart(-1), now + 1),
    all<Event>(`events?meter=${id}`, 200),
  ]);
  const ae = daily.series[0];
  const last = ae && ae.readings.length ? ae.readings[ae.readings.length - 1] : null;
  const [p, u, i] = curve.series;
  const xy = (s: Series | undefined) => (s ? s.readings.map((r) => [r.t * 1000, Number(r.value)]) : []);
  const diffs = dailyDiffs(ae);

  // On-demand read through the station (POST /reads): the values when they come, else its job polled.
  const readOut = h('div', { id: 'read-result' });
  const readBtn = h('button', { id: 'read-now', type: 'button', onclick: async () => {
    readBtn.setAttribute('disabled', '');
    readOut.replaceChildren(h('p', { class: 'loading' }, t('reading')));
    try {
      const vals = await readNow(id, [ITEM.AE_IMP, ITEM.P, ITEM.U_L1, ITEM.I_L1]);
      readOut.replaceChildren(h('p', {}, `${t('readDone')} ${vals.length ? fmtTime(vals[0].time) : '—'}`),
        table([t('item'), t('value'), t('unit')], vals.map((v) => [`${v.name} (${v.item})`, h('b', {}, v.value), v.unit])));
      readOut.setAttribute('data-state', 'done');
    } catch (err) {
      const msg = err instanceof ApiError && err.status === 503 ? t('readNowOff')
        : err instanceof ApiError ? `${err.status}: ${err.message}` : String(err);
      readOut.replaceChildren(h('p', { class: 'error' }, `${t('readFailed')}: ${msg}`));
      readOut.setAttribute('data-state', 'failed');
    } finally {
      readBtn.removeAttribute('disabled');
    }
  } }, t('readNow'));
  const head = card(`${t('meter')} ${m.address}`,
    table([t('terminal'), 'pn', t('protocol'), t('customer'), t('area'), 'CT/PT', ''],
      [[link(`#/terminal/${m.terminal}`, String(m.terminal)), String(m.pn), m.protocol,
        m.customer ? link(`#/customer/${encodeURIComponent(m.customer)}`, m.customer) : '—',
        m.area ? link(`#/area/${encodeURIComponent(m.area)}`, m.area) : '—', `${m.ct}/${m.pt}`, readBtn]]),
    readOut,
    h('p', { class: 'links' }, link(`#/points?meter=${id}`, t('pointsList')), ' · ',
      link(`#/meter/${id}/edit`, t('edit'))));
  const regs = card(t('registers'), table([t('value'), t('unit'), t('time')],
    last ? [[h('b', { class: 'reg' }, last.value), ae.unit, fmtTime(last.time)]] : []));
  const bars = chart({
    xAxis: { type: 'category', data: diffs.map((d) => d[0].slice(5)) },
    yAxis: { type: 'value', name: t('kwh') },
    series: [{ type: 'bar', data: diffs.map((d) => d[1]) }],
  }, diffs.length, 'chart-daily');
  const load = chart({
    xAxis: { type: 'time' }, yAxis: { type: 'value', name: 'kW' },
    series: [{ type: 'line', name: t('power'), showSymbol: false, data: xy(p) }],
  }, xy(p).length, 'chart-load');
  const ui = chart({
    legend: {}, xAxis: { type: 'time' },
    yAxis: [{ type: 'value', name: 'V', scale: true }, { type: 'value', name: 'A' }],
    series: [{ type: 'line', name: t('voltage'), showSymbol: false, data: xy(u) },
      { type: 'line', name: t('current'), yAxisIndex: 1, showSymbol: false, data: xy(i) }],
  }, xy(u).length + xy(i).length, 'chart-ui');
  const ev = card(t('events'), table([t('code'), t('start'), t('end')],
    events.map((e) => [`ERC${e.code}`, fmtTime(e.start), e.end ? fmtTime(e.end) : t('open')])));
  return h('div', { class: 'grid' }, head, regs, card(t('daily'), bars), card(t('loadCurve'), load),
    card(t('voltageCurrent'), ui), ev);
}
