// Small DOM and chart helpers shared by the pages.
// Only the chart kinds and components the pages use: a third of the full ECharts bundle.
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import type { ComposeOption } from 'echarts/core';
import type { BarSeriesOption, LineSeriesOption, PieSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);
export type ChartOption = ComposeOption<BarSeriesOption | LineSeriesOption | PieSeriesOption | GridComponentOption |
  LegendComponentOption | TooltipComponentOption>;
import { t } from './i18n';

type Attrs = Record<string, string | number | boolean | ((e: Event) => void)>;

/** An element with attributes (on* are listeners) and children (strings become text). */
export function h(tag: string, attrs: Attrs = {}, ...kids: (Node | string | null)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (v === false) continue;
    else if (v === true) e.setAttribute(k, '');
    else e.setAttribute(k, String(v));
  }
  for (const k of kids) if (k !== null) e.append(k);
  return e;
}

export function card(title: string, ...kids: (Node | string | null)[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', {}, title), ...kids);
}

export function noData(): HTMLElement {
  return h('div', { class: 'nodata' }, t('noData'));
}

/** A table from a header and rows of cells. */
export function table(head: string[], rows: (Node | string)[][]): HTMLElement {
  if (!rows.length) return noData();
  return h('table', {}, h('thead', {}, h('tr', {}, ...head.map((c) => h('th', {}, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))));
}

const charts: echarts.ECharts[] = [];
window.addEventListener('resize', () => charts.forEach((c) => c.resize()));

/** A chart in a new box; empty series show "no data" instead of axes. */
export function chart(option: ChartOption, points: number, id = ''): HTMLElement {
  const box = h('div', { class: 'chart', 'data-points': points, ...(id ? { id } : {}) });
  if (points === 0) {
    box.classList.add('empty');
    box.append(noData());
    return box;
  }
  requestAnimationFrame(() => {
    const c = echarts.init(box);
    c.setOption({ animation: false, tooltip: { trigger: 'axis' }, grid: { left: 56, right: 24, top: 36, bottom: 40 }, ...option });
    charts.push(c);
  });
  return box;
}

const leaving: (() => void)[] = [];

/** Run fn when the page is left (a live stream to stop). */
export function onLeave(fn: () => void): void {
  leaving.push(fn);
}

/** The page is left: its charts disposed, its streams stopped. */
export function disposeCharts(): void {
  while (charts.length) charts.pop()!.dispose();
  while (leaving.length) leaving.pop()!();
}

export function fmtTime(iso: string | null): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString();
}

export function link(href: string, text: string): HTMLElement {
  return h('a', { href }, text);
}
