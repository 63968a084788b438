// The inventory screen and the orchestration page, with a catalog built
// through the API: search and filters in the address, risk flags in words,
// the product card, leverage with its parts, and the dependency graph drawn
// as SVG on the server (readable before any script runs).
import { test, expect, type APIRequestContext } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

test.describe.configure({ mode: 'serial' });

async function post(request: APIRequestContext, path: string, data: unknown) {
  const res = await request.post(path, { data });
  expect(res.status(), `${path} ${JSON.stringify(data)}`).toBe(201);
  return res.json();
}

test('the inventory lists, searches and filters automations', async ({ page, request }) => {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));

  const billing = await post(request, '/api/v1/orchestrations', {
    name: 'Customer billing',
    purpose: 'Bill every customer on time',
    failure_mode: 'Invoices stop and cash collection slips',
    fallback: 'Finance runs the invoice export by hand',
    inputs: 'Orders from the shop',
    outputs: 'Invoices in the accounting system',
    tier: 1,
    lifecycle: 'active',
    minutes_saved_per_run: 45,
    expected_runs_per_week: 5,
    tags: ['finance'],
  });
  const reporting = await post(request, '/api/v1/orchestrations', { name: 'Revenue reporting', tier: 2 });
  const invoice = await post(request, '/api/v1/automations', {
    tool: 'github_actions',
    external_id: 'acme/billing:.github/workflows/invoice.yml',
    name: 'Invoice run',
    url: 'https://github.com/acme/billing/actions',
    failure_mode: 'No invoices go out',
    orchestration_id: billing.id,
    minutes_saved_per_run: 45,
    runs_per_week: 5,
  });
  const leads = await post(request, '/api/v1/automations', {
    tool: 'zapier',
    external_id: '128734',
    name: 'Lead to CRM',
    minutes_saved_per_run: 5,
    runs_per_week: 120,
  });
  await post(request, '/api/v1/automations', { tool: 'cron', external_id: 'backup-db', name: 'Database backup' });
  await post(request, '/api/v1/dependencies', {
    upstream: { kind: 'automation', id: leads.id },
    downstream: { kind: 'automation', id: invoice.id },
  });
  await post(request, '/api/v1/dependencies', {
    upstream: { kind: 'orchestration', id: billing.id },
    downstream: { kind: 'orchestration', id: reporting.id },
  });

  await page.goto('/inventory');
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  const table = page.getByRole('table', { name: 'Automations 1–3 of 3' });
  await expect(table).toBeVisible();
  const lead = table.getByRole('row', { name: /Lead to CRM/ });
  await expect(lead).toContainText('Zapier');
  await expect(lead).toContainText('Loose');
  await expect(lead).toContainText('Unowned');
  await expect(lead).toContainText('No failure mode');
  const inv = table.getByRole('row', { name: /Invoice run/ });
  await expect(inv.getByRole('link', { name: 'Customer billing' })).toHaveAttribute('href', '/orchestrations/customer-billing');
  await page.screenshot({ path: 'screenshots/desktop-inventory.png', fullPage: true });

  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);

  // Filters live in the address: a view can be shared and reloaded.
  await page.getByLabel('Tool').selectOption('zapier');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/tool=zapier/);
  await expect(page.getByRole('table', { name: 'Automations 1–1 of 1' })).toBeVisible();
  await expect(page.getByLabel('Tool')).toHaveValue('zapier');

  await page.goto('/inventory?q=invoice');
  await expect(page.getByRole('table', { name: 'Automations 1–1 of 1' })).toContainText('Invoice run');
  await page.goto('/inventory?no_failure_mode=1');
  await expect(page.getByRole('table', { name: 'Automations 1–2 of 2' })).not.toContainText('Invoice run');
  await page.goto('/inventory?q=nothing-like-this');
  await expect(page.getByRole('heading', { name: 'Nothing matches these filters' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('the orchestration page shows the product, its leverage and its graph', async ({ page, browser }) => {
  // Without JavaScript first: the graph is in the server's HTML.
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const noScript = await plain.newPage();
  await noScript.goto('/orchestrations/customer-billing');
  const graph = noScript.getByRole('img', { name: /Customer billing: 1 upstream and 1 downstream/ });
  await expect(graph).toBeVisible();
  await expect(graph.locator('text.graph__name', { hasText: 'Lead to CRM' })).toHaveCount(1);
  await expect(graph.locator('path.graph__edge')).toHaveCount(2);
  await plain.close();

  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto('/orchestrations');
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await page.getByRole('link', { name: 'Customer billing' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Customer billing' })).toBeVisible();
  await expect(page).toHaveTitle('Customer billing · Baton');
  const card = page.getByRole('region', { name: 'Product card' });
  await expect(card).toContainText('Invoices stop and cash collection slips');
  await expect(card).toContainText('Finance runs the invoice export by hand');
  const leverage = page.getByRole('region', { name: 'Leverage' });
  // 45 min × 5 runs × tier 1 (×3) × (1 + 0.5 no owner + 0.25 no backup
  // + 0.25 no runbook + 0.25 no run seen).
  await expect(leverage).toContainText('1519');
  await expect(leverage).toContainText('no owner, no backup owner, no runbook, no run seen in 30 days');
  await expect(leverage).toContainText('(declared runs)');
  const deps = page.getByRole('region', { name: 'Dependencies' });
  await expect(deps.getByRole('img')).toBeVisible();
  await expect(deps).toContainText('Lead to CRM');
  await expect(deps.getByRole('link', { name: 'Revenue reporting' }).first()).toHaveAttribute('href', '/orchestrations/revenue-reporting');
  // The recorded edges, each removable.
  await expect(deps.getByRole('listitem').filter({ hasText: 'Customer billing feeds Revenue reporting' })).toBeVisible();
  await expect(deps.getByRole('button', { name: 'Remove: Customer billing feeds Revenue reporting' })).toBeVisible();
  await expect(page.getByRole('table', { name: '1 automation' })).toContainText('Invoice run');
  await page.screenshot({ path: 'screenshots/desktop-orchestration-page.png', fullPage: true });

  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);

  const missing = await page.goto('/orchestrations/no-such-thing');
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'No such orchestration' })).toBeVisible();
  expect((await page.goto('/automations/999999'))?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'No such automation' })).toBeVisible();
  expect(errors).toEqual([]);
});
