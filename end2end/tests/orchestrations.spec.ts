// The orchestrations list: empty at first, then the catalog as registered
// through the API, rendered on the server and loaded again in place after
// client-side navigation (through the /rpc server function).
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

test.describe.configure({ mode: 'serial' });

test('an empty catalog says how to start', async ({ page }) => {
  await page.goto('/orchestrations');
  await expect(page.getByRole('heading', { level: 2, name: 'No orchestrations yet' })).toBeVisible();
  await expect(page.getByText('POST /api/v1/orchestrations')).toBeVisible();
  await page.screenshot({ path: 'screenshots/desktop-orchestrations-empty.png', fullPage: true });
});

test('registered orchestrations are listed with their risks in words', async ({ page, request }) => {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  for (const body of [
    {
      name: 'Monthly invoicing',
      purpose: 'Bill every customer on the first working day',
      failure_mode: 'Customers are not billed',
      tier: 1,
      lifecycle: 'active',
      tags: ['finance', 'billing'],
    },
    { name: 'Lead routing', purpose: 'Send new leads to the right rep', tier: 2 },
  ]) {
    const res = await request.post('/api/v1/orchestrations', { data: body });
    expect(res.status()).toBe(201);
  }

  // Start elsewhere so the list is fetched by the hydrated app, in place.
  await page.goto('/');
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await page.evaluate(() => ((window as any).__batonNoReload = true));
  const nav = page.getByRole('navigation', { name: 'Main' });
  const rpc = page.waitForResponse((r) => r.url().includes('/rpc/orchestrations/list'));
  await nav.getByRole('link', { name: 'Orchestrations' }).click();
  expect((await rpc).status()).toBe(200);
  expect(await page.evaluate(() => (window as any).__batonNoReload === true)).toBe(true);

  const table = page.getByRole('table', { name: '2 orchestrations' });
  await expect(table).toBeVisible();
  const invoicing = table.getByRole('row', { name: /Monthly invoicing/ });
  await expect(invoicing).toContainText('Tier 1');
  await expect(invoicing).toContainText('active');
  await expect(invoicing).toContainText('Unowned');
  await expect(invoicing).not.toContainText('No failure mode');
  const leads = table.getByRole('row', { name: /Lead routing/ });
  await expect(leads).toContainText('Unowned');
  await expect(leads).toContainText('No failure mode');
  await page.screenshot({ path: 'screenshots/desktop-orchestrations.png', fullPage: true });

  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(page.getByRole('table', { name: '2 orchestrations' })).toBeVisible();
  await page.screenshot({ path: 'screenshots/phone-orchestrations.png', fullPage: true });
  expect(errors).toEqual([]);
});
