import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDialects, type TestDatabase } from '../../core/test/support/test-databases.js';
import { startAdminServer, type StandaloneServer } from '../src/index.js';
import { matrixWorld, type MatrixWorld } from './support/matrix-world.js';

// The page in a real browser (Debian's Chromium driven by playwright-core) on SQLite and PostgreSQL: the grant
// matrix of a 300 x 300 policy (time to first render, printed), an edited cell changing the decision in the
// person view, a policy file with an error located by file:line:field, and the reverse lookup of a contact.
// Chromium is required under CI=true; elsewhere the suite is skipped with a note when it is missing.
// ROWGUARD_ADMIN_SCREENSHOTS=<dir> saves a screenshot of each screen (docs/images/admin-*.png are made so).
const CHROMIUM = process.env.ROWGUARD_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: the browser suite is mandatory under CI=true (apt-get install chromium)`);
if (!haveChromium) console.warn(`[rowguard tests] ${CHROMIUM} not found: skipping the admin page browser suite (mandatory under CI=true)`);
const SHOTS = process.env.ROWGUARD_ADMIN_SCREENSHOTS;
const dialects = (await testDialects()).filter((d) => d === 'sqlite' || d === 'postgres');

const BROKEN_POLICY = ['version: 1', 'domain: default', 'roles:', '  - { name: Auditors, permisions: [view all contacts] }', ''].join('\n');

describe.skipIf(!haveChromium).each(dialects)('the admin page in Chromium, on %s', (dialect) => {
  let t: TestDatabase;
  let w: MatrixWorld;
  let server: StandaloneServer;
  let context: BrowserContext;
  let page: Page;
  let userDir: string;
  const figures: string[] = [];

  const shot = async (name: string): Promise<void> => {
    if (!SHOTS || dialect !== 'sqlite') return;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `admin-${name}.png`) });
  };
  const open = async (hash: string): Promise<void> => {
    await page.goto(`${server.url}${hash}`);
  };

  beforeAll(async () => {
    const started = performance.now();
    t = await openTestDatabase(dialect, 'adm-server-browser');
    w = await matrixWorld(t);
    figures.push(`300 x 300 policy written in ${Math.round(performance.now() - started)} ms (${w.entries} entries)`);
    server = await startAdminServer({ engine: w.engine, domain: 'default', port: 0, person: { subject: { userId: 'alice' }, actor: 'alice' } });
    userDir = mkdtempSync(join(tmpdir(), 'rowguard-chromium-'));
    context = await chromium.launchPersistentContext(userDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      viewport: { width: 1440, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    const login = await page.goto(server.loginUrl);
    expect(login?.status(), await login?.text()).toBe(200);
  }, 120_000);
  afterAll(async () => {
    console.log(`[admin page, ${dialect}] ${figures.join('; ')}`);
    await context?.close();
    if (userDir) rmSync(userDir, { recursive: true, force: true });
    await server?.close();
    await t?.close();
  });

  it('renders the 300 x 300 grant matrix, virtualised, within the first-render target', async () => {
    // The first visit (the login link redirects to the matrix; nothing cached), then three fresh loads of the page
    // (a new document each, its script and stylesheet cached), each timed from its navigation start.
    await page.waitForFunction(() => (globalThis as { rowguardMatrixRendered?: number }).rowguardMatrixRendered !== undefined, undefined, { timeout: 15_000 });
    const cold = await page.evaluate(() => (globalThis as { rowguardMatrixRendered?: number }).rowguardMatrixRendered as number);
    figures.push(`matrix first render on the first visit ${Math.round(cold)} ms after following the login link`);
    const renders: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.goto(`${server.url}?load=${i}#/matrix`);
      await page.waitForFunction(() => (globalThis as { rowguardMatrixRendered?: number }).rowguardMatrixRendered !== undefined, undefined, { timeout: 15_000 });
      renders.push(await page.evaluate(() => (globalThis as { rowguardMatrixRendered?: number }).rowguardMatrixRendered as number));
    }
    const renderedMs = [...renders].sort((a, b) => a - b)[1] as number;
    figures.push(`then median ${Math.round(renderedMs)} ms on reloads (${renders.map(Math.round).join(', ')}; target < 1000 ms; load average ${loadavg()[0]?.toFixed(2)})`);
    await expect.poll(() => page.locator('.grid-row').count()).toBeGreaterThan(10);
    // Virtualised: a 301-row, 301-column matrix puts only the visible part in the DOM.
    expect(await page.locator('.grid-row').count()).toBeLessThan(60);
    expect(await page.locator('.cell').count()).toBeLessThan(1500);
    await expect.poll(() => page.locator('.toolbar').first().textContent()).toContain('301 roles × 301 columns');
    const scrolled = performance.now();
    await page.locator('[data-testid=matrix-grid]').evaluate((el) => el.scrollTo(20_000, 8_000));
    await expect.poll(() => page.locator('.row-head', { hasText: 'Role 2' }).count()).toBeGreaterThan(0);
    figures.push(`scrolled to the middle and repainted in ${Math.round(performance.now() - scrolled)} ms`);
    await page.locator('[data-testid=matrix-grid]').evaluate((el) => el.scrollTo(0, 0));
    await shot('matrix');
    expect(cold).toBeLessThan(5_000);
    expect(renderedMs).toBeLessThan(5_000);
  });

  it('edits a cell and the person view shows the decision change', async () => {
    const why = async (): Promise<string> => {
      await open(`#/person?contact=${w.pat}`);
      await page.locator('[data-testid=person-summary]').waitFor();
      await page.locator('[data-testid=why-panel] input').fill(String(w.tom));
      await page.locator('[data-testid=why-panel] button').click();
      return (await page.locator('[data-testid=why-answer]').textContent()) ?? '';
    };
    expect(await why()).toMatch(/^No\./);
    await open('#/matrix');
    await page.getByLabel('Filter roles').fill('Role 150');
    await page.getByLabel('Filter groups').fill('Group 150');
    await page.locator('.cell[data-cell="Role 150|Group 150"]').click();
    const editor = page.locator('[data-testid=cell-editor]');
    await editor.getByLabel('Effect').selectOption('allow');
    await editor.getByLabel('Operation').selectOption('view');
    await editor.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => editor.locator('.ok-msg').textContent()).toContain('allow view added');
    await expect.poll(() => page.locator('.cell[data-cell="Role 150|Group 150"] .chip.allow').count()).toBe(1);
    await shot('cell-editor');
    const after = await why();
    expect(after).toMatch(/^Yes\./);
    expect(await w.domain.subject({ contactId: w.pat }).check('view', w.tom)).toBe(true);
    const [last] = await w.domain.auditLog({ limit: 1 });
    expect(last).toMatchObject({ actor: 'alice', action: 'entry.create' });
    const row = page.locator('tr', { hasText: 'Group 150' });
    // Every member of group 150 is now visible to pat (n of n).
    await expect.poll(() => row.first().locator('td').nth(1).textContent()).toMatch(/^(\d+) of \1$/);
    await shot('person');
  });

  it('uploads a policy file with an error and shows file:line:field', async () => {
    await open('#/policy');
    await page.locator('[data-testid=policy-upload]').setInputFiles({ name: 'broken.yaml', mimeType: 'text/yaml', buffer: Buffer.from(BROKEN_POLICY) });
    await page.getByRole('button', { name: 'Dry run' }).click();
    const errors = page.locator('[data-testid=policy-errors]');
    await errors.waitFor();
    const text = (await errors.textContent()) ?? '';
    expect(text).toMatch(/broken\.yaml:4:\d+/);
    expect(text).toContain('roles[0]');
    await shot('policy');
  });

  it('looks up who can view a contact, grouped and explained', async () => {
    await open(`#/contact?id=${w.tom}&op=view`);
    const roles = page.locator('[data-testid=holders-role]');
    await roles.waitFor();
    expect(await roles.textContent()).toContain('Role 150');
    // administer CRM implies view all contacts: the role holding it is named under the functional permissions.
    expect(await page.locator('[data-testid=holders-permission]').textContent()).toContain('role “Administrators”');
    const summary = (await page.locator('[data-testid=who-can-summary]').textContent()) ?? '';
    const ms = /looked up in ([\d.]+) ms/.exec(summary)?.[1];
    figures.push(`reverse lookup of a contact ${ms} ms on the server`);
    await shot('contact');
    await open('#/audit');
    await page.locator('table.audit tbody tr').first().waitFor();
    expect(await page.locator('table.audit tbody tr').first().textContent()).toContain('alice');
    await shot('audit');
  });
});
