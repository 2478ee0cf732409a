// Shared by the browser tests: Debian's chromium through playwright-core (no browser
// download) on a fresh profile, a logged-in page, checks that print what they saw.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../../web/package.json'));
const { chromium } = require('playwright-core');

export function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
  console.log('ok -', what);
}

/** A browser on a fresh profile; errors collects the page's script errors. */
export async function launch() {
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
  const page = browser.pages()[0] || (await browser.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const close = async () => {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { page, errors, close };
}

/** Open a page of the dashboard and wait until it is drawn; a screenshot into out. */
export async function open(page, base, out, hash, shot) {
  await page.goto(`${base}/${hash}`);
  await page.waitForSelector('#page[data-ready="1"]', { timeout: 30000 });
  await page.waitForTimeout(600); // the charts draw on the next frames
  await page.screenshot({ path: join(out, shot), fullPage: true });
}
