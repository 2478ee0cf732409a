// Load-management commands, newest first, with their state; a pending command (over the
// station's confirmation threshold) is confirmed here by a second operator (docs/api.md
// "Commands"): the API refuses the submitter's own token and a viewer's. The form sends a
// command: to terminals (id, or id:pn for a turn or group) or, for the meter_* kinds, to
// meters' own relays (meter ids or 12-digit addresses; docs/control.md).
import { ApiError, Command, get, Page, post } from '../api';
import { t } from '../i18n';
import { card, fmtTime, h, table } from '../ui';

const KINDS = ['meter_trip', 'meter_close', 'meter_protect_on', 'meter_protect_off', 'trip', 'close',
  'protect_on', 'protect_off', 'urge_on', 'urge_off', 'clock_sync'];

/** The targets typed for kind as the API takes them; null when one cannot be read. */
export function parseTargets(kind: string, text: string): unknown[] | null {
  const parts = text.split(/[\s,]+/).filter((p) => p !== '');
  const out: unknown[] = [];
  for (const p of parts) {
    if (kind.startsWith('meter_')) {
      if (/^\d{12}$/.test(p)) out.push({ meter_address: p });
      else if (/^\d{1,11}$/.test(p) && Number(p) > 0) out.push({ meter: Number(p) });
      else return null;
    } else {
      const m = /^(\d+)(?::(\d))?$/.exec(p);
      if (!m) return null;
      out.push(m[2] ? { terminal: Number(m[1]), pn: Number(m[2]) } : { terminal: Number(m[1]) });
    }
  }
  return out.length ? out : null;
}

function commandForm(msg: HTMLElement): HTMLElement {
  const result = h('p', { id: 'command-result' });
  const kind = h('select', { id: 'command-kind' }, ...KINDS.map((k) => h('option', { value: k }, k))) as HTMLSelectElement;
  const targets = h('input', { id: 'command-targets', placeholder: t('targetsHint'), required: 'required', size: 40 }) as HTMLInputElement;
  const reason = h('input', { id: 'command-reason', placeholder: t('reason'), required: 'required', size: 24 }) as HTMLInputElement;
  const form = h('form', { id: 'command-form', onsubmit: async (e: Event) => {
    e.preventDefault();
    msg.textContent = '';
    const tg = parseTargets(kind.value, targets.value);
    if (!tg) {
      msg.textContent = t('targetsHint');
      return;
    }
    try {
      const c = await post<Command>('commands', { kind: kind.value, targets: tg, reason: reason.value.trim() });
      result.setAttribute('data-id', String(c.id));
      result.textContent = `${t('command')} #${c.id} ${c.kind}: ${t(`state_${c.state}`)}`;
    } catch (err) {
      msg.textContent = `${t('command')}: ${err instanceof ApiError ? `${err.status}: ${err.message}` : String(err)}`;
    }
  } }, kind, ' ', targets, ' ', reason, ' ', h('button', { type: 'submit', id: 'command-submit' }, t('send')));
  return h('div', {}, h('h3', {}, t('newCommand')), form, result);
}

export async function commands(): Promise<HTMLElement> {
  const page = await get<Page<Command>>('commands?limit=1000');
  const msg = h('p', { class: 'error', id: 'command-error' });
  const act = (c: Command, verb: 'confirm' | 'cancel', label: string) =>
    h('button', { type: 'button', class: `command-${verb}`, 'data-id': String(c.id), onclick: async () => {
      msg.textContent = '';
      try {
        await post<Command>(`commands/${c.id}/${verb}`, {});
        location.reload();
      } catch (e) {
        msg.textContent = `${t('command')} ${c.id}: ${e instanceof ApiError ? e.message : String(e)}`;
      }
    } }, label);
  const rows = page.items.slice().reverse().map((c) => [
    String(c.id), c.kind, h('span', { class: `state state-${c.state}` }, t(`state_${c.state}`)), c.who,
    c.confirmer || '—', c.reason, fmtTime(c.created),
    c.state === 'pending' ? h('span', {}, act(c, 'confirm', t('confirm')), ' ', act(c, 'cancel', t('cancel'))) : '',
  ]);
  return card(`${t('commands')} (${page.items.length})`, commandForm(msg), msg,
    table(['#', t('kind'), t('status'), t('operator'), t('confirmer'), t('reason'), t('time'), ''], rows));
}
