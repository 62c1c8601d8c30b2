// examples/webapp in a real browser: Debian's Chromium, driven by
// playwright-core (never a downloaded browser), against a real nimbus. The
// stack is deployed as the example's README says (AWS CLI package + deploy,
// the site synced with its config.js); the page is loaded from the bucket's
// website endpoint, a wrong token is refused on the page, an item created
// through the form shows up in the list and turns "processed" once the
// queue's Node.js worker has seen it.
//
// Run by ctest as e2e_js_browser (not part of `node --test` in tests/js,
// which does not look into this folder). Skips, saying why, without
// Chromium or the AWS CLI.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { credentials, region, startServer } from '../harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const CHROMIUM = process.env.NIMBUS_CHROMIUM ?? '/usr/bin/chromium';
const TOKEN = 'browser-test-token';

function which(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skip = !existsSync(CHROMIUM)
  ? `chromium is not installed (${CHROMIUM}; scripts/setup.sh --test installs Debian's)`
  : !which('aws')
    ? 'the AWS CLI is not installed'
    : false;

// The packages `dir`/package.json depends on, and theirs, copied from
// tests/js/node_modules as `npm install` would place them.
function vendorNodeModules(dir) {
  const source = join(here, '..', 'node_modules');
  const todo = Object.keys(JSON.parse(readFileSync(join(dir, 'package.json'))).dependencies ?? {});
  const seen = new Set();
  while (todo.length) {
    const name = todo.pop();
    if (seen.has(name)) continue;
    seen.add(name);
    const src = join(source, name);
    cpSync(src, join(dir, 'node_modules', name), { recursive: true, dereference: true });
    todo.push(...Object.keys(JSON.parse(readFileSync(join(src, 'package.json'))).dependencies ?? {}));
  }
}

let server;
let work;
let browser;
function aws(...args) {
  return execFileSync('aws', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'], // progress lines stay out of the report; a failure carries them
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: server.endpoint,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_DEFAULT_REGION: region,
      AWS_PAGER: '',
    },
  });
}

before(async () => {
  if (skip) return;
  server = await startServer();
  work = mkdtempSync(join(tmpdir(), 'webapp-browser-'));
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the web app in Chromium: page from the website endpoint, item created and processed', { skip, timeout: 240_000 }, async () => {
  const app = join(work, 'webapp');
  cpSync(join(root, 'examples', 'webapp'), app, { recursive: true });
  vendorNodeModules(join(app, 'functions', 'worker'));
  aws('s3', 'mb', 's3://webapp-browser-artifacts');
  const packaged = join(work, 'packaged.yaml');
  aws('cloudformation', 'package', '--template-file', join(app, 'template.yaml'),
    '--s3-bucket', 'webapp-browser-artifacts', '--output-template-file', packaged);
  aws('cloudformation', 'deploy', '--template-file', packaged, '--stack-name', 'webapp',
    '--capabilities', 'CAPABILITY_IAM', '--parameter-overrides', `ApiToken=${TOKEN}`);
  const stack = JSON.parse(aws('cloudformation', 'describe-stacks', '--stack-name', 'webapp')).Stacks[0];
  const out = Object.fromEntries(stack.Outputs.map((o) => [o.OutputKey, o.OutputValue]));
  assert.match(out.WebsiteURL, /^http:\/\/[a-z0-9-]+\.s3-website\.localhost:\d+$/);
  writeFileSync(join(app, 'site', 'config.js'), `window.WEBAPP_CONFIG = ${JSON.stringify({ apiUrl: out.ApiUrl })};\n`);
  aws('s3', 'sync', join(app, 'site'), `s3://${out.SiteBucket}`);

  const { chromium } = await import('playwright-core');
  // As root (CI containers) Chromium's own sandbox cannot start.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--no-proxy-server'] });
  const page = await browser.newPage();
  const failed = [];
  page.on('pageerror', (e) => failed.push(String(e)));
  // What the page logged, shown when a step fails.
  const logged = [];
  page.on('console', (m) => logged.push(`${m.type()}: ${m.text()}`));
  page.on('requestfailed', (r) => logged.push(`failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  const step = async (what, f) => {
    try {
      await f();
    } catch (err) {
      err.message += `\n${what}; #message: ${await page.textContent('#message')}\n${logged.join('\n')}`;
      throw err;
    }
  };
  await page.goto(`${out.WebsiteURL}/`);
  assert.equal(await page.locator('h1').textContent(), 'Items');
  await page.locator('#items').waitFor({ state: 'attached' });

  await page.fill('#token', 'not-the-token');
  await page.fill('#name', 'refused');
  await page.click('button[type=submit]');
  await step('the wrong token refused', () =>
    page.locator('#message', { hasText: /refused/ }).waitFor({ timeout: 20_000 }));

  await page.fill('#token', TOKEN);
  await page.fill('#name', 'buy milk');
  await page.click('button[type=submit]');
  const item = page.locator('#items li', { hasText: 'buy milk' });
  await step('the item listed', () => item.waitFor({ timeout: 20_000 }));
  assert.equal(await page.locator('#items li', { hasText: 'refused' }).count(), 0);
  await step('the item processed', () =>
    item.locator('.status.processed').waitFor({ timeout: 60_000 }));
  assert.equal(await page.inputValue('#name'), '');
  assert.deepEqual(failed, []);

  // What the page shows is what the table holds.
  const scanned = JSON.parse(aws('dynamodb', 'scan', '--table-name', out.ItemsTable)).Items;
  assert.deepEqual(scanned.map((i) => [i.name.S, i.status.S]), [['buy milk', 'processed']]);
});
