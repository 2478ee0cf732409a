// Drives the dashboard in Debian's chromium through playwright-core (no browser download):
// log in with a token, check the overview's success rate and trend chart, a meter's load
// curve, the area, report, terminals and events pages; screenshots go to ARTIFACT_DIR.
// Usage: node dashboard.mjs BASE_URL TOKEN ARTIFACT_DIR
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../../web/package.json'));
const { chromium } = require('playwright-core');

const [base, token, out] = process.argv.slice(2);
if (!base || !token || !out) {
  console.error('usage: node dashboard.mjs BASE_URL TOKEN ARTIFACT_DIR');
  process.exit(2);
}

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
  console.log('ok -', what);
}

const profile = mkdtempSync(join(tmpdir(), 'mh_chromium_'));
// A fresh profile directory each run (playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1400, height: 1000 },
  locale: 'en-US',
});
let failed = false;
const page = browser.pages()[0] || (await browser.newPage());
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

async function open(hash, shot) {
  await page.goto(`${base}/${hash}`);
  await page.waitForSelector('#page[data-ready="1"]', { timeout: 30000 });
  await page.waitForTimeout(600); // the charts draw on the next frames
  await page.screenshot({ path: join(out, shot), fullPage: true });
}

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
  check(await page.isDisabled('#read-now'), 'the on-demand read button is disabled');
  check((await page.getAttribute('#read-now', 'title')).includes('running'), 'its tooltip says the station must run');

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
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(`screenshots in ${out}`);
process.exit(failed ? 1 : 0);
