// A meter's archive record as a form (PATCH /meters/{id}, operator token): the fields are the
// archive CSV's, checked by the station as an import checks a line; its refusal is shown as is.
import { ApiError, get, Meter, patch } from '../api';
import { t } from '../i18n';
import { card, h } from '../ui';

/** The form's fields: the API's member, the label, the stored value as text. */
const FIELDS: [string, string, (m: Meter) => string][] = [
  ['terminal', 'terminal', (m) => String(m.terminal ?? '')],
  ['pn', 'pn', (m) => String(m.pn ?? '')],
  ['ct', 'CT', (m) => String(m.ct)],
  ['pt', 'PT', (m) => String(m.pt)],
  ['contract_kw', 'contract', (m) => String(m.contract_w / 1000)],
  ['tariff', 'tariff', (m) => m.tariff],
  ['customer', 'customer', (m) => m.customer ?? ''],
  ['area', 'area', (m) => m.area ?? ''],
];

export async function meterEdit(id: number): Promise<HTMLElement> {
  const m = await get<Meter>(`meters/${id}`);
  const inputs = new Map<string, HTMLInputElement>();
  const label = (k: string) => (k === 'pn' || k === 'CT' || k === 'PT' ? k : t(k as Parameters<typeof t>[0]));
  const rows = FIELDS.map(([name, lab, val]) => {
    const input = h('input', { name, id: `edit-${name}`, value: val(m), size: 16 }) as HTMLInputElement;
    inputs.set(name, input);
    return h('label', {}, h('span', {}, label(lab)), input);
  });
  const active = h('input', { type: 'checkbox', id: 'edit-active', ...(m.active ? { checked: true } : {}) }) as HTMLInputElement;
  const out = h('p', { id: 'edit-result' });
  const form = h('form', { class: 'edit', id: 'meter-edit', onsubmit: async (e: Event) => {
    e.preventDefault();
    // Only what changed is sent: the station keeps the rest as stored.
    const body: Record<string, unknown> = {};
    for (const [name, , val] of FIELDS) {
      const v = inputs.get(name)!.value.trim();
      if (v === val(m)) continue;
      body[name] = v === '' && (name === 'customer' || name === 'area') ? null
        : name === 'terminal' || name === 'pn' ? Number(v) : v;
    }
    if (active.checked !== m.active) body.active = active.checked;
    try {
      const saved = await patch<Meter>(`meters/${id}`, body);
      Object.assign(m, saved);
      out.textContent = t('saved');
      out.className = '';
      out.setAttribute('data-state', 'saved');
    } catch (err) {
      out.textContent = `${t('saveFailed')}: ${err instanceof ApiError ? `${err.status}: ${err.message}` : String(err)}`;
      out.className = 'error';
      out.setAttribute('data-state', 'failed');
    }
  } }, ...rows, h('label', {}, h('span', {}, t('active')), active),
  h('button', { type: 'submit', id: 'edit-save' }, t('save')), out);
  return h('div', { class: 'grid' }, card(`${t('editMeter')} ${m.address}`, form,
    h('p', {}, h('a', { href: `#/meter/${id}` }, `← ${t('meter')} ${m.address}`))));
}
