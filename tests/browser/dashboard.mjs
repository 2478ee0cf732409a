// Drives the dashboard in Debian's chromium through playwright-core (no browser download):
// log in with a token, check the overview's success rate and trend chart, a meter's load
// curve, its point, customer and edit form, the area, report, terminals and events pages;
// screenshots go to ARTIFACT_DIR.
// Usage: node dashboard.mjs BASE_URL TOKEN ARTIFACT_DIR
import { join } from 'node:path';
import { check, launch, open as openPage } from './lib.mjs';

const [base, token, out] = process.argv.slice(2);
if (!base || !token || !out) {
  console.error('usage: node dashboard.mjs BASE_URL TOKEN ARTIFACT_DIR');
  process.exit(2);
}

let failed = false;
const { page, errors, close } = await launch();
const open = (hash, shot) => openPage(page, base, out, hash, shot);

/** Data points of the chart in box id, from ECharts' own model. */
async function points(id) {
  return page.evaluate((id) => {
    const box = document.getElementById(id);
    return box ? Number(box.getAttribute('data-points')) : -1;
  }, id);
}

try {
  // Login: a wrong token is refused, the right one is kept.
  await page.goto(`${base}/`);
  await page.waitForSelector('#token');
  await page.screenshot({ path: join(out, 'login.png') });
  await page.fill('#token', 'mh_wrong');
  await page.click('#login');
  await page.waitForFunction(() => document.getElementById('login-error')?.textContent);
  check(await page.isVisible('#token'), 'a wrong token stays on the login screen');
  errors.length = 0; // the refused token's 401, wanted
  await page.fill('#token', token);
  await page.click('#login');
  await page.waitForSelector('#page[data-ready="1"]', { timeout: 30000 });
  check(await page.evaluate(() => localStorage.getItem('meterhub.token')) === token, 'the token is kept in localStorage');

  await open('#/', 'overview.png');
  const rate = await page.textContent('#kpi-rate b');
  check(/^\d+\.\d\d %$/.test(rate.trim()), `the overview shows today's success rate (${rate.trim()})`);
  const online = await page.textContent('#kpi-online b');
  check(/^\d+ \/ [1-9]\d*$/.test(online.trim()), `terminals online / total (${online.trim()})`);
  check(await points('chart-trend') >= 5, 'the success-rate trend has points for the last days');
  check(await page.locator('#chart-trend canvas').count() === 1, 'the trend chart is drawn');

  await open('#/meter/2', 'meter.png');
  const load = await points('chart-load');
  check(load >= 96, `the meter's 15-minute load curve has points (${load})`);
  check(await page.locator('#chart-load canvas').count() === 1, 'the load curve is drawn');
  check(await points('chart-daily') >= 5, 'daily consumption bars');
  // A viewer may not read meters on demand: the button says why (station.mjs reads for real).
  errors.length = 0;
  await page.click('#read-now');
  await page.waitForSelector('#read-result[data-state]', { timeout: 30000 });
  const why = await page.textContent('#read-result');
  check(await page.getAttribute('#read-result', 'data-state') === 'failed' && why.includes('403') &&
    why.includes('operator'), `a viewer's read is refused with the reason (${why.trim().slice(0, 80)})`);
  errors.length = 0; // the 403 in the console, wanted

  // The meter's point, its customer and its edit form (a viewer's change is refused, with why).
  await open('#/points?meter=2', 'points.png');
  check(await page.locator('#points tbody tr').count() === 1, "the meter's measurement point is listed");
  const cust = (await page.locator('#points tbody tr td:nth-child(5)').first().textContent()).trim();
  check(cust && cust !== '—', `the point names the meter's customer (${cust})`);
  await open(`#/customer/${encodeURIComponent(cust)}`, 'customer.png');
  check(await page.locator('#customer a[href="#/meter/2"]').count() === 1, 'the customer page lists the meter');
  await open('#/meter/2/edit', 'meter-edit.png');
  check(await page.inputValue('#edit-ct') !== '' && await page.inputValue('#edit-pn') !== '',
    'the edit form shows the stored values');
  errors.length = 0;
  await page.fill('#edit-ct', '7');
  await page.click('#edit-save');
  await page.waitForSelector('#edit-result[data-state]', { timeout: 30000 });
  const refused = await page.textContent('#edit-result');
  check(await page.getAttribute('#edit-result', 'data-state') === 'failed' && refused.includes('403') &&
    refused.includes('operator'), `a viewer's change is refused with the reason (${refused.trim().slice(0, 80)})`);
  errors.length = 0; // the 403 in the console, wanted

  await open('#/area/A000001', 'area.png');
  check(await points('chart-loss') >= 5, 'the transformer area shows a line-loss trend');
  await open('#/area/A000002', 'area-empty.png');
  check(await page.locator('.nodata').count() >= 1, 'an area without readings shows "no data"');

  await open('#/report', 'report.png');
  check(await page.locator('table tbody tr').count() >= 2, 'the collection report has rows');
  check(await points('chart-reasons') >= 1, 'failure reasons are shown');
  await open('#/terminals', 'terminals.png');
  check(await page.locator('table tbody tr').count() >= 100, 'the terminal list is shown');
  await open('#/terminal/9', 'terminal.png');
  check(await points('chart-links') >= 2, 'a terminal shows its online history');
  await open('#/events', 'events.png');
  check(await page.locator('table tbody tr').count() >= 1, 'events are listed');

  // The language toggle relabels the page.
  await page.click('#lang');
  await page.waitForSelector('#page[data-ready="1"]');
  check((await page.textContent('header')).includes('总览'), 'the Chinese labels are shown after the toggle');
  await open('#/', 'overview-zh.png');
  check(errors.length === 0, `no script errors (${errors.join('; ')})`);
} catch (e) {
  failed = true;
  console.error(e);
  await page.screenshot({ path: join(out, 'failure.png'), fullPage: true }).catch(() => {});
} finally {
  await close();
}
console.log(`screenshots in ${out}`);
process.exit(failed ? 1 : 0);
