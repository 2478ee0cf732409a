// The dashboard against the master station (meterhub serve --api, the simulator as the
// field): a meter's "Read now" button reads the meter through the station and shows its
// values; the overview's live card is connected and, when the field stops (SIM_PID killed),
// lists the terminals going offline and lowers the online count without a reload. The
// Commands page lists a command another operator (OPERATOR2_TOKEN) left pending over the
// station's --confirm-over 1, and its Confirm button sends it. The Plans page makes an orderly-use
// plan for the special-transformer customer through its form (scheduled by the station's clock),
// shows it, and its Cancel button withdraws it; the Protect & prepay page tells an operator the
// protect list is the administrators' and looks an account up.
// Usage: node station.mjs BASE_URL OPERATOR_TOKEN ARTIFACT_DIR SIM_PID METER_ID OPERATOR2_TOKEN
import { join } from 'node:path';
import { check, launch, open } from './lib.mjs';

const [base, token, out, simPid, meterId, token2] = process.argv.slice(2);
if (!base || !token || !out || !simPid || !meterId || !token2) {
  console.error('usage: node station.mjs BASE_URL TOKEN ARTIFACT_DIR SIM_PID METER_ID TOKEN2');
  process.exit(2);
}

// Every terminal of the field logged in (the DTU is asked its address after a third of the
// login timeout) before the browser starts.
for (let i = 0; ; i++) {
  const r = await fetch(`${base}/api/v1/terminals?online=1`, { headers: { Authorization: 'Bearer ' + token } });
  if ((await r.json()).items.length >= 4) break;
  if (i > 150) throw new Error('the simulated terminals did not log in');
  await new Promise((res) => setTimeout(res, 200));
}

let failed = false;
const { page, errors, close } = await launch();
try {
  await page.goto(`${base}/`);
  await page.waitForSelector('#token');
  await page.fill('#token', token);
  await page.click('#login');
  await page.waitForSelector('#page[data-ready="1"]', { timeout: 30000 });

  await open(page, base, out, `#/meter/${meterId}`, 'station-meter.png');
  check(!(await page.isDisabled('#read-now')), 'the read button is enabled');
  await page.click('#read-now');
  await page.waitForSelector('#read-result[data-state]', { timeout: 60000 });
  await page.screenshot({ path: join(out, 'station-read.png'), fullPage: true });
  check(await page.getAttribute('#read-result', 'data-state') === 'done',
    `the read came back (${(await page.textContent('#read-result')).slice(0, 120)})`);
  const rows = await page.locator('#read-result table tbody tr').allTextContents();
  check(rows.some((r) => r.includes('1.0.1.8.0') && /\d+\.\d+/.test(r) && r.includes('kWh')),
    `the active energy register is shown (${rows.join(' | ')})`);
  check(rows.some((r) => r.includes('1.0.32.7.0') && r.includes('V')), 'the voltage is shown');

  // A clock sync of the concentrator reaches its five users: pending a second operator.
  const api = async (path, tok, body) => {
    const r = await fetch(`${base}/api/v1/${path}`, body ? {
      method: 'POST', body: JSON.stringify(body),
      headers: { Authorization: 'Bearer ' + tok, 'Content-Type': 'application/json' },
    } : { headers: { Authorization: 'Bearer ' + tok } });
    return [r.status, await r.json()];
  };
  const [, terms] = await api('terminals', token);
  const conc = terms.items.find((t) => t.kind === 'concentrator');
  const [st, cmd] = await api('commands', token2,
    { kind: 'clock_sync', targets: [conc.id], reason: 'clock drift after an outage' });
  check(st === 202 && cmd.state === 'pending', `the command waits for a second operator (${st} ${cmd.state})`);
  await open(page, base, out, '#/commands', 'station-commands.png');
  const row = page.locator('tr', { has: page.locator(`.command-confirm[data-id="${cmd.id}"]`) });
  check((await row.textContent()).includes('Pending'), 'the Commands page shows it pending');
  await page.click(`.command-confirm[data-id="${cmd.id}"]`);
  await page.waitForSelector(`.command-confirm[data-id="${cmd.id}"]`, { state: 'detached', timeout: 15000 });
  await page.waitForSelector('#page[data-ready="1"]', { timeout: 30000 });
  await page.screenshot({ path: join(out, 'station-confirmed.png'), fullPage: true });
  const [, done] = await api(`commands/${cmd.id}`, token);
  check(done.state !== 'pending' && done.confirmer === 'ops', `confirmed by ops (${done.state}, ${done.confirmer})`);

  // A resident's own relay through the Commands page's form: tripped by its address, closed by
  // its id, each verified by the station (the meter's status word read back through AFN10).
  const [, cm] = await api(`meters?terminal=${conc.id}`, token);
  const home = cm.items.find((m) => m.customer && !m.area_meter);
  const settled = async (id) => {
    for (let i = 0; i < 200; i++) {
      const [, c] = await api(`commands/${id}`, token);
      if (c.state !== 'sent') return c;
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  };
  // Each submit's own result: the page may still show the previous command's until the answer comes.
  let shown = null;
  for (const [kind, target] of [['meter_trip', String(home.address).padStart(12, '0')], ['meter_close', String(home.id)]]) {
    await open(page, base, out, '#/commands', `station-${kind}.png`);
    await page.selectOption('#command-kind', kind);
    await page.fill('#command-targets', target);
    await page.fill('#command-reason', kind === 'meter_trip' ? 'arrears notice 12' : 'paid');
    await page.click('#command-submit');
    await page.waitForFunction((prev) => {
      const e = document.querySelector('#command-result[data-id]');
      return e && e.getAttribute('data-id') !== prev;
    }, shown, { timeout: 15000 });
    shown = await page.getAttribute('#command-result', 'data-id');
    const c = await settled(Number(shown));
    check(c && c.kind === kind && c.targets[0].result === 'done' && c.targets[0].pn === home.pn,
      `${kind} of meter ${home.id} from the form is done (${c && c.targets[0].result}: ${c && c.targets[0].detail})`);
  }

  // An orderly-use plan made through the Plans page's form, then cancelled before its start.
  const special = terms.items.find((t) => t.kind === 'special_transformer');
  const [, sm] = await api(`meters?terminal=${special.id}`, token);
  await open(page, base, out, '#/plans', 'station-plans.png');
  await page.fill('#plan-name', 'evening peak');
  await page.fill('#plan-reason', 'dispatch order 17');
  await page.fill('#plan-target', '12.5');
  await page.fill('#plan-users', `${sm.items[0].id}:1`);
  await page.click('#plan-create');
  await page.waitForSelector('#plan-facts .plan-state', { timeout: 15000 });
  await page.waitForSelector('#page[data-ready="1"]', { timeout: 30000 });
  await page.screenshot({ path: join(out, 'station-plan.png'), fullPage: true });
  check((await page.textContent('#plan-facts')).includes('Scheduled'), 'the new plan is scheduled');
  check((await page.textContent('#plan-users')).includes(String(sm.items[0].id)), 'the plan lists its user');
  const planId = Number(page.url().split('/').pop());
  const [, made] = await api(`plans/${planId}`, token);
  check(made.who === 'ops' && made.target_w === 12500 && made.reason === 'dispatch order 17',
    `stored as made (${made.who}, ${made.target_w} W)`);
  await page.click('#plan-cancel');
  await page.waitForSelector('#plan-cancel', { state: 'detached', timeout: 15000 });
  await page.waitForSelector('#page[data-ready="1"]', { timeout: 30000 });
  check((await page.textContent('#plan-facts')).includes('Cancelled'), 'cancelled from its page');
  await open(page, base, out, '#/plans', 'station-plans-list.png');
  check((await page.textContent('#page')).includes('evening peak'), 'the list shows the plan');

  // The protect list is the administrators': an operator is told so; an account is looked up.
  // The browser logs the two refusals (403, 404) it was meant to get: only those are let go.
  const seen = errors.length;
  await open(page, base, out, '#/protect', 'station-protect.png');
  check((await page.textContent('#protect-error')).includes('403'), 'an operator may not see the protect list');
  await page.fill('#prepay-meter', String(sm.items[0].id));
  await page.click('#prepay-show');
  await page.waitForSelector('#prepay-account p, #prepay-account table', { timeout: 15000 });
  check((await page.textContent('#prepay-account')).includes('no prepaid account'), 'no account yet is said so');
  const refused = errors.splice(seen).filter((e) => !/status of (403|404)/.test(e));
  errors.push(...refused);

  await open(page, base, out, '#/', 'station-overview.png');
  await page.waitForSelector('#live-state[data-connected="1"]', { timeout: 15000 });
  check(true, 'the overview is connected to the live stream');
  const before = (await page.textContent('#kpi-online b')).trim();
  process.kill(Number(simPid), 'SIGKILL');
  await page.waitForSelector('#live-events li[data-event="terminal"]', { timeout: 30000 });
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(out, 'station-live.png'), fullPage: true });
  const live = await page.locator('#live-events li').allTextContents();
  check(live.some((l) => l.includes('Offline')), `the live list shows a terminal offline (${live[0]})`);
  const after = (await page.textContent('#kpi-online b')).trim();
  check(Number(after.split(' / ')[0]) < Number(before.split(' / ')[0]),
    `the online count went down without a reload (${before} -> ${after})`);
  check(errors.length === 0, `no script errors (${errors.join('; ')})`);
} catch (e) {
  failed = true;
  console.error(e);
  await page.screenshot({ path: join(out, 'station-failure.png'), fullPage: true }).catch(() => {});
} finally {
  await close();
}
process.exit(failed ? 1 : 0);
