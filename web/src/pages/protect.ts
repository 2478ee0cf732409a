// The protect list (保电: supply never cut; administrators add and remove) and a prepaid
// account with its top-up (docs/api.md "Commands"). The API says who may: an operator's
// token sees the protect list refused (403) and is told so here.
import { ApiError, del, get, post, Prepay, Protect } from '../api';
import { t } from '../i18n';
import { card, fmtTime, h, table } from '../ui';

const errText = (e: unknown) => (e instanceof ApiError ? `${e.status}: ${e.message}` : String(e));

async function protectCard(): Promise<HTMLElement> {
  const msg = h('p', { class: 'error', id: 'protect-error' });
  let list: Protect[] = [];
  try {
    list = (await get<{ items: Protect[] }>('protect')).items;
  } catch (e) {
    return card(t('protectList'), h('p', { class: 'error', id: 'protect-error' }, errText(e)));
  }
  const rows = list.map((p) => [p.kind, p.ref, p.reason, p.added_by, fmtTime(p.added),
    h('button', { type: 'button', class: 'protect-remove', 'data-ref': p.ref, onclick: async () => {
      try {
        await del(`protect?kind=${p.kind}&ref=${encodeURIComponent(p.ref)}`);
        location.reload();
      } catch (e) {
        msg.textContent = errText(e);
      }
    } }, t('remove'))]);
  const kind = h('select', { id: 'protect-kind' }, ...['terminal', 'meter', 'customer'].map((k) => h('option', { value: k }, k)));
  const form = h('form', { id: 'protect-form', onsubmit: async (e: Event) => {
    e.preventDefault();
    const v = (id: string) => (document.getElementById(id) as HTMLInputElement).value.trim();
    try {
      await post('protect', { kind: (kind as HTMLSelectElement).value, ref: v('protect-ref'), reason: v('protect-reason') });
      location.reload();
    } catch (err) {
      msg.textContent = errText(err);
    }
  } }, kind, ' ', h('input', { id: 'protect-ref', placeholder: t('address'), required: 'required', size: 14 }), ' ',
  h('input', { id: 'protect-reason', placeholder: t('reason'), required: 'required', size: 24 }), ' ',
  h('button', { type: 'submit', id: 'protect-add' }, t('add')));
  return card(`${t('protectList')} (${list.length})`, form, msg,
    table([t('kind'), t('address'), t('reason'), t('operator'), t('time'), ''], rows));
}

function prepayCard(): HTMLElement {
  const out = h('div', { id: 'prepay-account' });
  const yuan = (e4: number) => (e4 / 10000).toFixed(2);
  const show = async (meter: number) => {
    try {
      const a = await get<Prepay>(`prepay/${meter}`);
      const topup = h('form', { id: 'prepay-topup', onsubmit: async (e: Event) => {
        e.preventDefault();
        const amount = Math.round(Number((document.getElementById('prepay-amount') as HTMLInputElement).value) * 10000);
        const ref = (document.getElementById('prepay-ref') as HTMLInputElement).value.trim();
        try {
          await post(`prepay/${meter}/topup`, ref ? { amount_e4: amount, ref } : { amount_e4: amount });
          await show(meter);
        } catch (err) {
          out.append(h('p', { class: 'error' }, errText(err)));
        }
      } }, h('input', { id: 'prepay-amount', type: 'number', min: '0.01', step: '0.01', required: 'required', style: 'width:8em' }),
      ' ', h('input', { id: 'prepay-ref', placeholder: t('receipt'), size: 12 }), ' ',
      h('button', { type: 'submit' }, t('topUp')));
      out.replaceChildren(table([t('meter'), t('balance'), t('warnAt'), t('status'), t('command'), t('time')], [[
        String(a.meter), h('b', { id: 'prepay-balance' }, yuan(a.balance_e4)), yuan(a.warn_e4), a.state,
        a.command ? `#${a.command}` : '—', fmtTime(a.updated)]]), topup);
    } catch (e) {
      out.replaceChildren(h('p', { class: 'error' }, errText(e)));
    }
  };
  const form = h('form', { id: 'prepay-form', onsubmit: (e: Event) => {
    e.preventDefault();
    show(Number((document.getElementById('prepay-meter') as HTMLInputElement).value));
  } }, h('label', {}, t('meter'), ' ', h('input', { id: 'prepay-meter', type: 'number', min: '1', required: 'required', style: 'width:8em' })),
  ' ', h('button', { type: 'submit', id: 'prepay-show' }, t('go')));
  return card(t('prepaid'), form, out);
}

export async function protect(): Promise<HTMLElement> {
  return h('div', {}, await protectCard(), prepayCard());
}
