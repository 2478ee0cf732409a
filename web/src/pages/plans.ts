// Orderly-use plans (docs/api.md "Orderly-use plans"): the list, a form that makes one (the
// station carries it out by its clock), and a plan's allocation, each user's command and the
// measured reduction, with the steps its state allows (confirm by a second operator, cancel
// before the start, release while active).
import { ApiError, get, Page, Plan, PlanCommand, post } from '../api';
import { t } from '../i18n';
import { card, fmtTime, h, link, table } from '../ui';

const kw = (w: number | null | undefined) => (w === null || w === undefined ? '—' : (w / 1000).toFixed(1));

function stateOf(p: Plan): HTMLElement {
  return h('span', { class: `state plan-state state-${p.state}` }, t(`plan_${p.state}` as Parameters<typeof t>[0]) || p.state);
}

/** A local datetime-local value as ISO UTC. */
function isoOf(local: string): string {
  return new Date(local).toISOString().replace(/\.\d+Z$/, 'Z');
}

function localIn(minutes: number): string {
  const d = new Date(Date.now() + minutes * 60000);
  d.setSeconds(0, 0);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function createForm(msg: HTMLElement): HTMLElement {
  const field = (id: string, label: string, attrs: Record<string, string | number>) =>
    h('label', {}, label, ' ', h('input', { id, ...attrs }));
  return h('form', { id: 'plan-form', class: 'plan-form', onsubmit: async (e: Event) => {
    e.preventDefault();
    const v = (id: string) => (document.getElementById(id) as HTMLInputElement).value.trim();
    const users = v('plan-users').split(/[\s,]+/).filter(Boolean).map((s) => {
      const [meter, priority] = s.split(':').map(Number);
      return { meter, priority: priority || 0 };
    });
    const body: Record<string, unknown> = {
      name: v('plan-name'), reason: v('plan-reason'), target_kw: Number(v('plan-target')),
      from: isoOf(v('plan-from')), to: isoOf(v('plan-to')),
    };
    if (users.length) body.users = users;
    if (v('plan-area')) body.area = v('plan-area');
    if (v('plan-max')) body.max_pct = Number(v('plan-max'));
    msg.textContent = '';
    try {
      const p = await post<Plan>('plans', body);
      location.hash = `#/plan/${p.id}`;
    } catch (err) {
      msg.textContent = `${t('newPlan')}: ${err instanceof ApiError ? err.message : String(err)}`;
    }
  } },
  field('plan-name', t('name'), { required: 'required', size: 16 }),
  field('plan-reason', t('reason'), { required: 'required', size: 24 }),
  field('plan-target', t('targetKw'), { type: 'number', min: '0.1', step: '0.1', required: 'required', style: 'width:6em' }),
  field('plan-from', t('from'), { type: 'datetime-local', value: localIn(5), required: 'required' }),
  field('plan-to', t('to'), { type: 'datetime-local', value: localIn(65), required: 'required' }),
  field('plan-users', t('planUsers'), { placeholder: '12:1, 40:2', size: 16 }),
  field('plan-area', t('area'), { size: 8 }),
  field('plan-max', t('maxPct'), { type: 'number', min: '1', max: '79', style: 'width:4em' }),
  h('button', { id: 'plan-create', type: 'submit' }, t('create')));
}

export async function plans(): Promise<HTMLElement> {
  const page = await get<Page<Plan>>('plans?limit=1000');
  const msg = h('p', { class: 'error', id: 'plan-error' });
  const rows = page.items.slice().reverse().map((p) => [
    link(`#/plan/${p.id}`, String(p.id)), p.name, stateOf(p), p.who, kw(p.target_w), kw(p.expect_w),
    kw(p.reduced_w), fmtTime(p.from), fmtTime(p.to),
  ]);
  return h('div', {},
    card(t('newPlan'), createForm(msg), msg),
    card(`${t('plans')} (${page.items.length})`, table(['#', t('name'), t('status'), t('operator'),
      t('targetKw'), t('expectKw'), t('reducedKw'), t('from'), t('to')], rows)));
}

function cmdCell(c: PlanCommand | null): Node | string {
  if (!c) return '—';
  return h('span', { title: c.detail || '' }, link('#/commands', `#${c.id}`), ` ${c.result || c.state}`);
}

export async function plan(id: number): Promise<HTMLElement> {
  const p = await get<Plan>(`plans/${id}`);
  const msg = h('p', { class: 'error', id: 'plan-error' });
  const act = (verb: 'confirm' | 'cancel' | 'release') =>
    h('button', { type: 'button', id: `plan-${verb}`, onclick: async () => {
      msg.textContent = '';
      try {
        await post<Plan>(`plans/${id}/${verb}`, {});
        location.reload();
      } catch (err) {
        msg.textContent = `${t('plan')} ${id}: ${err instanceof ApiError ? err.message : String(err)}`;
      }
    } }, t(verb));
  const actions = h('p', { class: 'actions' },
    p.state === 'pending' ? act('confirm') : null, ' ',
    p.state === 'pending' || p.state === 'scheduled' ? act('cancel') : null, ' ',
    p.state === 'active' ? act('release') : null);
  const facts = table([t('status'), t('operator'), t('confirmer'), t('reason'), t('from'), t('to'), t('targetKw'),
    t('expectKw'), t('shortKw'), t('reducedKw'), t('detail')], [[
    stateOf(p), p.who, p.confirmer || '—', p.reason || '—', fmtTime(p.from), fmtTime(p.to), kw(p.target_w),
    kw(p.expect_w), kw(p.short_w), p.met === null ? kw(p.reduced_w) : `${kw(p.reduced_w)} (${p.met ? t('met') : t('notMet')})`,
    p.detail || '']]);
  const users = (p.users || []).map((u) => [
    link(`#/meter/${u.meter}`, String(u.meter)), u.customer || '—', String(u.priority), u.state,
    u.pct ? `${u.pct}%` : '—', kw(u.current_w), kw(u.expect_w), cmdCell(u.command), cmdCell(u.release),
    kw(u.baseline_w), kw(u.after_w), kw(u.reduced_w), u.detail,
  ]);
  return h('div', {},
    card(`${t('plan')} ${p.id}: ${p.name}`, h('div', { id: 'plan-facts' }, facts), actions, msg),
    card(t('users'), h('div', { id: 'plan-users' }, table([t('meter'), t('customer'), t('priority'), t('status'),
      t('shed'), t('currentKw'), t('expectKw'), t('command'), t('releaseCmd'), t('beforeKw'), t('afterKw'),
      t('reducedKw'), t('detail')], users))));
}
