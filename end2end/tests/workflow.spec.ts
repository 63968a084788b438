// The catalog as an owner builds it in the browser: register an
// orchestration (the form's field errors first), meet someone else's save,
// add automations to it, draw a dependency and try a cycle, import a CSV
// file with one bad row, export, read the leverage ranking, retire and
// delete. Every step is checked against the API too: what the screen says
// happened did happen, and a refused step wrote nothing.
import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';

test.describe.configure({ mode: 'serial' });

async function hydrated(page: Page, path: string) {
  await page.goto(path);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
}

async function count(request: APIRequestContext, path: string): Promise<number> {
  const res = await request.get(path);
  expect(res.status()).toBe(200);
  return (await res.json()).length;
}

async function noSeriousA11yIssues(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

test('an owner registers an orchestration, meets a conflict, adds automations and dependencies', async ({
  page,
  request,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  // People and a team to choose from (accounts come with their own screens).
  const seeded = await request.post('/api/v1/import/catalog', {
    data: {
      format: 'baton-catalog',
      version: 1,
      teams: [{ slug: 'people-ops', name: 'People Ops' }],
      people: [
        { email: 'ada@example.com', display_name: 'Ada Lovelace', role: 'editor' },
        { email: 'grace@example.com', display_name: 'Grace Hopper', role: 'editor' },
      ],
      orchestrations: [],
      automations: [],
      dependencies: [],
    },
  });
  expect(seeded.status()).toBe(200);

  // A form with mistakes: every message next to its field, nothing saved.
  const before = await count(request, '/api/v1/orchestrations');
  await hydrated(page, '/orchestrations');
  await page.getByRole('link', { name: 'Register an orchestration' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Register an orchestration' })).toBeVisible();
  await page.getByLabel('Minutes saved per run').fill('lots');
  await page.getByLabel('Success-rate target (%)').fill('150');
  await page.getByLabel('Links').fill('Handbook |');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('#field-name-message')).toHaveText('give the orchestration a name');
  await expect(page.locator('#field-minutes_saved_per_run-message')).toContainText('"lots" is not a number');
  await expect(page.locator('#field-success_rate_target-message')).toContainText('percentage from 0 to 100');
  await expect(page.locator('#field-links-message')).toContainText('line 1');
  await expect(page.getByRole('textbox', { name: 'Name', exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('alert')).toContainText('Nothing was saved: 4 fields need correcting.');
  await page.screenshot({ path: 'screenshots/desktop-orchestration-form-errors.png', fullPage: true });
  expect(await count(request, '/api/v1/orchestrations')).toBe(before);

  // Corrected: saved, and the page shows what was typed.
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Payroll run');
  await page.getByLabel('Purpose').fill('Pay everyone on time');
  await page.getByLabel('Criticality tier').selectOption('1');
  await page.getByLabel('Lifecycle').selectOption('active');
  await page.getByLabel('Owner', { exact: true }).selectOption({ label: 'Ada Lovelace' });
  await page.getByLabel('Backup owner').selectOption({ label: 'Grace Hopper' });
  await page.getByLabel('Team').selectOption({ label: 'People Ops' });
  await page.getByLabel('If it fails silently').fill('Salaries are late and people notice first');
  await page.getByLabel('Fallback').fill('Payroll lead uploads the bank file by hand');
  await page.getByLabel('Minutes saved per run').fill('120');
  await page.getByLabel('Expected runs per week').fill('1');
  await page.getByLabel('Success-rate target (%)').fill('99');
  await page.getByLabel('Links').fill('Handbook | https://example.com/payroll');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(/\/orchestrations\/payroll-run$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Payroll run' })).toBeVisible();
  const card = page.getByRole('region', { name: 'Product card' });
  await expect(card).toContainText('Ada Lovelace');
  await expect(card).toContainText('Grace Hopper');
  await expect(card).toContainText('99.0 %');
  await expect(card.getByRole('link', { name: 'Handbook' })).toHaveAttribute('href', 'https://example.com/payroll');
  const saved = await (await request.get('/api/v1/orchestrations/payroll-run')).json();
  expect(saved.version).toBe(1);
  expect(saved.success_rate_target).toBeCloseTo(0.99);

  // Someone else saves while the form is open: the later save is refused
  // with their change shown beside ours; saving again is then deliberate.
  await page.getByRole('link', { name: 'Edit' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Edit Payroll run' })).toBeVisible();
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  const theirs = await request.put('/api/v1/orchestrations/payroll-run', {
    data: { ...saved, purpose: 'Pay everyone on time, including contractors' },
  });
  expect(theirs.status()).toBe(200);
  await page.getByLabel('Purpose').fill('Pay every employee on the last working day');
  await page.getByRole('button', { name: 'Save' }).click();
  const conflict = page.getByRole('alert').filter({ hasText: 'Someone else saved this' });
  await expect(conflict).toBeVisible();
  const row = conflict.getByRole('row', { name: /Purpose/ });
  await expect(row).toContainText('Pay everyone on time, including contractors');
  await expect(row).toContainText('Pay every employee on the last working day');
  await page.screenshot({ path: 'screenshots/desktop-orchestration-conflict.png', fullPage: true });
  const unchanged = await (await request.get('/api/v1/orchestrations/payroll-run')).json();
  expect(unchanged.purpose).toBe('Pay everyone on time, including contractors');
  expect(unchanged.version).toBe(2);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(/\/orchestrations\/payroll-run$/);
  await expect(page.locator('.lede')).toHaveText('Pay every employee on the last working day');
  expect((await (await request.get('/api/v1/orchestrations/payroll-run')).json()).version).toBe(3);

  // Two automations added to it from its page.
  for (const [tool, external, name] of [
    ['GitHub Actions', 'acme/payroll:.github/workflows/export.yml', 'Payroll export'],
    ['cron', 'bank-upload', 'Bank upload'],
  ]) {
    await page.getByRole('link', { name: 'Add an automation' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Add an automation' })).toBeVisible();
    await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
    await expect(page.getByLabel('Orchestration')).toHaveValue(String(saved.id));
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
    await page.getByLabel('Tool').selectOption({ label: tool });
    await page.getByRole('textbox', { name: 'External id', exact: true }).fill(external);
    await page.getByLabel('Owner').selectOption({ label: 'Ada Lovelace' });
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Facts' }).getByRole('link', { name: 'Payroll run' })).toBeVisible();
    await page.getByRole('link', { name: 'Payroll run' }).first().click();
    await expect(page.getByRole('heading', { level: 1, name: 'Payroll run' })).toBeVisible();
    await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  }
  await expect(page.getByRole('table', { name: '2 automations' })).toBeVisible();

  // The same external id twice is refused beside the field.
  await page.getByRole('link', { name: 'Add an automation' }).click();
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Bank upload again');
  await page.getByLabel('Tool').selectOption({ label: 'cron' });
  await page.getByRole('textbox', { name: 'External id', exact: true }).fill('bank-upload');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('#field-external_id-message')).toContainText('already in the inventory');
  await hydrated(page, '/orchestrations/payroll-run');

  // A dependency drawn from the page, then a cycle refused by name.
  const deps = page.getByRole('region', { name: 'Dependencies' });
  const edgesBefore = await count(request, '/api/v1/dependencies');
  await deps.getByLabel('This end').selectOption({ label: 'Payroll export (its automation)' });
  await deps.getByLabel('Direction').selectOption('feeds');
  await deps.getByLabel('The other end').fill('Bank up');
  await deps.getByLabel('Matches').selectOption({ label: 'Bank upload (cron)' });
  await deps.getByRole('button', { name: 'Add dependency' }).click();
  await expect(deps.getByRole('listitem').filter({ hasText: 'Payroll export feeds Bank upload' })).toBeVisible();
  await expect(deps.getByRole('img')).toBeVisible();
  expect(await count(request, '/api/v1/dependencies')).toBe(edgesBefore + 1);

  await deps.getByLabel('This end').selectOption({ label: 'Bank upload (its automation)' });
  await deps.getByLabel('Direction').selectOption('feeds');
  await deps.getByLabel('The other end').fill('Payroll exp');
  await deps.getByLabel('Matches').selectOption({ label: 'Payroll export (GitHub Actions)' });
  await deps.getByRole('button', { name: 'Add dependency' }).click();
  await expect(deps.getByRole('alert')).toContainText(
    'This would close a cycle: Bank upload → Payroll export → Bank upload',
  );
  expect(await count(request, '/api/v1/dependencies')).toBe(edgesBefore + 1);
  await page.screenshot({ path: 'screenshots/desktop-dependency-cycle.png', fullPage: true });
  await noSeriousA11yIssues(page);

  // Removed from the page, and gone from the API.
  await deps.getByRole('button', { name: 'Remove: Payroll export feeds Bank upload' }).click();
  await expect(deps).toContainText('None recorded yet.');
  expect(await count(request, '/api/v1/dependencies')).toBe(edgesBefore);
  expect(errors).toEqual([]);
});

test('an inventory file is previewed row by row, its good rows imported, and the inventory exported', async ({
  page,
  request,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const csv = [
    'tool,external_id,name,owner_email,orchestration,failure_mode,minutes_saved_per_run,runs_per_week',
    'zapier,990001,Expense approvals,ada@example.com,payroll-run,Expenses wait a month,3,40',
    'teams,990002,Not a real tool,,,,,',
    'n8n,990003,Timesheet reminders,grace@example.com,,,1,5',
  ].join('\n');
  const before = await count(request, '/api/v1/automations');

  await hydrated(page, '/inventory');
  await page.getByRole('link', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Import' })).toBeVisible();
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'inventory.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByRole('region', { name: '2. Check the preview' });
  await expect(preview).toContainText('2 new');
  await expect(preview).toContainText('1 with errors');
  const bad = preview.getByRole('row', { name: /Not a real tool/ });
  await expect(bad).toContainText('3');
  await expect(bad).toContainText('error');
  await expect(bad).toContainText('tool');
  await page.screenshot({ path: 'screenshots/desktop-import-preview.png', fullPage: true });
  // A preview writes nothing.
  expect(await count(request, '/api/v1/automations')).toBe(before);

  await preview.getByRole('button', { name: 'Import 2 good rows' }).click();
  const done = page.getByRole('status', { name: 'Imported' });
  await expect(done).toContainText('2 new');
  await expect(done).toContainText('1 with errors');
  expect(await count(request, '/api/v1/automations')).toBe(before + 2);

  // The same file again changes nothing.
  await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'inventory.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(preview).toContainText('0 new');
  await expect(preview).toContainText('2 unchanged');
  await expect(preview.getByRole('button', { name: 'Import 2 good rows' })).toBeDisabled();

  // Export: the file holds what was imported.
  await hydrated(page, '/inventory');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export CSV' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('baton-inventory.csv');
  const exported = readFileSync(await download.path(), 'utf8');
  expect(exported.split('\n')[0]).toContain('tool,external_id,name');
  expect(exported).toContain('zapier,990001,Expense approvals');
  expect(exported).toContain('n8n,990003,Timesheet reminders');
  expect(exported).not.toContain('Not a real tool');
  expect(errors).toEqual([]);
});

test('monitors move over from Healthchecks: a preview, refusals with reasons, then old and new ping URLs', async ({
  page,
  request,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const listing = readFileSync('../server/tests/fixtures/monitors/healthchecks-checks.json');
  const before = await count(request, '/api/v1/automations?limit=500');

  await hydrated(page, '/inventory/import');
  await page.getByLabel('What the file is').selectOption({ label: 'Healthchecks checks (JSON)' });
  await expect(page.locator('main')).toContainText('GET /api/v3/checks/');
  await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'checks.json', mimeType: 'application/json', buffer: listing });
  await page.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByRole('region', { name: '2. Check the preview' });
  await expect(preview).toContainText('2 new');
  await expect(preview).toContainText('1 refused');
  const refused = preview.getByRole('row', { name: /Weekday report/ });
  await expect(refused).toContainText('refused');
  await expect(refused).toContainText('Mon..Fri 09:00');
  await expect(preview.getByRole('row', { name: /Invoice run/ })).toContainText('Europe/Paris');
  await expect(preview.getByRole('row', { name: /Nightly database backup/ })).toContainText('given once imported');
  await page.screenshot({ path: 'screenshots/desktop-import-monitors-preview.png', fullPage: true });
  expect(await count(request, '/api/v1/automations?limit=500')).toBe(before);

  await preview.getByRole('button', { name: 'Import 2 good monitors' }).click();
  await expect(page.getByRole('status', { name: 'Imported' })).toContainText('2 new');
  const urls = page.getByRole('region', { name: '3. Point each job at Baton' });
  const backup = urls.getByRole('row', { name: /Nightly database backup/ });
  await expect(backup).toContainText('https://hc-ping.com/0f4b8c5e-1d3a-4f7e-9b21-6a0c2d9e8f10');
  await expect(backup.locator('code')).toHaveText(/\/ping\/[0-9a-f]{32}$/);
  await page.screenshot({ path: 'screenshots/desktop-import-monitors-done.png', fullPage: true });
  expect(await count(request, '/api/v1/automations?limit=500')).toBe(before + 2);

  // The new URL takes the job's pings.
  const path = new URL((await backup.locator('code').textContent())!).pathname;
  expect((await request.get(path)).status()).toBe(200);

  // Leave the inventory as it was for the tests that follow.
  const listed = await (await request.get('/api/v1/automations?limit=500')).json();
  const mine = listed.filter((a: { external_id: string }) => a.external_id.startsWith('healthchecks:'));
  expect(mine).toHaveLength(2);
  for (const a of mine) {
    expect((await request.delete(`/api/v1/automations/${a.id}`)).status()).toBe(204);
  }
  expect(errors).toEqual([]);
});

test('the leverage ranking says why, and an orchestration is retired, then another deleted once confirmed', async ({
  page,
  request,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await hydrated(page, '/orchestrations');
  await page.getByRole('link', { name: 'Leverage ranking' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Leverage' })).toBeVisible();
  const top = page.getByRole('region', { name: 'The three flows that would unlock the most' });
  await expect(top.getByRole('link', { name: 'Payroll run' })).toBeVisible();
  // 120 min × 1 run × tier 1 (×3) × (1 + 0.25 no runbook + 0.25 no run
  // seen) = 540.
  await expect(top.getByRole('listitem').filter({ hasText: 'Payroll run' })).toContainText('540');
  await expect(top.getByRole('listitem').filter({ hasText: 'Payroll run' })).toContainText('no run seen in 30 days');
  await expect(page.getByRole('table', { name: /Orchestrations by leverage/ })).toContainText('Payroll run');
  await page.screenshot({ path: 'screenshots/desktop-leverage.png', fullPage: true });
  await noSeriousA11yIssues(page);

  // Retire: it stays, marked retired.
  await hydrated(page, '/orchestrations/payroll-run/edit');
  await page.getByRole('button', { name: 'Retire it' }).click();
  await expect(page).toHaveURL(/\/orchestrations\/payroll-run$/);
  await expect(page.locator('.lifecycle')).toHaveText('retired');
  const retired = await (await request.get('/api/v1/orchestrations/payroll-run')).json();
  expect(retired.lifecycle).toBe('retired');
  expect(retired.retired_at).not.toBeNull();

  // Delete: refused until the slug is typed, then gone.
  const created = await request.post('/api/v1/orchestrations', { data: { name: 'Old fax relay' } });
  expect(created.status()).toBe(201);
  await hydrated(page, '/orchestrations/old-fax-relay/edit');
  await page.getByLabel('Type old-fax-relay to confirm.').fill('old fax');
  await page.getByRole('button', { name: 'Delete for good' }).click();
  await expect(page.getByRole('alert')).toContainText("To delete, confirm with the orchestration's slug (old-fax-relay)");
  expect((await request.get('/api/v1/orchestrations/old-fax-relay')).status()).toBe(200);
  await page.getByLabel('Type old-fax-relay to confirm.').fill('old-fax-relay');
  await page.getByRole('button', { name: 'Delete for good' }).click();
  await expect(page).toHaveURL(/\/orchestrations$/);
  await expect(page.getByRole('link', { name: 'Old fax relay' })).toHaveCount(0);
  expect((await request.get('/api/v1/orchestrations/old-fax-relay')).status()).toBe(404);
  expect(errors).toEqual([]);
});
