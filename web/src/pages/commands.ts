// Load-management commands, newest first, with their state; a pending command (over the
// station's confirmation threshold) is confirmed here by a second operator (docs/api.md
// "Commands"): the API refuses the submitter's own token and a viewer's.
import { ApiError, Command, get, Page, post } from '../api';
import { t } from '../i18n';
import { card, fmtTime, h, table } from '../ui';

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
  return card(`${t('commands')} (${page.items.length})`, msg,
    table(['#', t('kind'), t('status'), t('operator'), t('confirmer'), t('reason'), t('time'), ''], rows));
}
