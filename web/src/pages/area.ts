// A transformer area: the area meter's supply against the sum of its users, and line loss.
import { all, dayStart, ITEM, Meter, readings } from '../api';
import { t } from '../i18n';
import { card, chart, h, link, noData, table } from '../ui';
import { dailyDiffs } from './meter';

const DAYS = 14;

export async function area(name: string): Promise<HTMLElement> {
  const meters = await all<Meter>(`meters?area=${encodeURIComponent(name)}`);
  const from = dayStart(-DAYS), to = dayStart(1);
  const series = await Promise.all(meters.map((m) => readings(m.id, [ITEM.AE_IMP], from, to)));
  const supply = new Map<string, number>(), users = new Map<string, number>(), usersSeen = new Map<string, number>();
  meters.forEach((m, k) => {
    for (const [d, v] of dailyDiffs(series[k].series[0])) {
      if (m.area_meter) supply.set(d, (supply.get(d) || 0) + v);
      else {
        users.set(d, (users.get(d) || 0) + v);
        usersSeen.set(d, (usersSeen.get(d) || 0) + 1);
      }
    }
  });
  // A day counts only when the area meter and every user have both freezes: otherwise the
  // loss would show missing readings, not loss.
  const nUsers = meters.filter((m) => !m.area_meter).length;
  const days = [...supply.keys()].filter((d) => usersSeen.get(d) === nUsers).sort();
  const loss = days.map((d) => +((100 * (supply.get(d)! - users.get(d)!)) / supply.get(d)!).toFixed(2));
  const head = card(`${t('area')} ${name}`, table([t('areaMeter'), t('users')],
    [[h('span', {}, ...meters.filter((m) => m.area_meter).map((m) => link(`#/meter/${m.id}`, m.address))), String(nUsers)]]));
  if (!days.length) return h('div', { class: 'grid' }, head, card(t('supply'), noData()));
  const cat = days.map((d) => d.slice(5));
  return h('div', { class: 'grid' }, head,
    card(`${t('supply')} / ${t('usersSum')} (kWh)`, chart({
      legend: {}, xAxis: { type: 'category', data: cat }, yAxis: { type: 'value', name: 'kWh' },
      series: [{ type: 'bar', name: t('supply'), data: days.map((d) => +supply.get(d)!.toFixed(3)) },
        { type: 'bar', name: t('usersSum'), data: days.map((d) => +users.get(d)!.toFixed(3)) }],
    }, days.length, 'chart-area')),
    card(t('lineLoss'), chart({
      xAxis: { type: 'category', data: cat }, yAxis: { type: 'value', name: '%' },
      series: [{ type: 'line', data: loss }],
    }, loss.length, 'chart-loss')));
}
