// Runs reported by pings, as people see them: an automation's runs, the
// Deliveries screen with a refused ping, a source made by an admin whose
// slug URL creates an automation into the claim queue, and claiming it.
import { test, expect, type Page } from '@playwright/test';

test.describe.configure({ mode: 'serial' });

async function hydrated(page: Page, path: string) {
  await page.goto(path);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
}

/// Waits until every delivery is turned into its run.
async function settled(request: import('@playwright/test').APIRequestContext) {
  await expect
    .poll(async () => (await (await request.get('/api/v1/deliveries?outcome=pending')).json()).total)
    .toBe(0);
}

test('pings become runs on the automation page, and every ping is in Deliveries', async ({ page, request }) => {
  const created = await request.post('/api/v1/automations', {
    data: { tool: 'cron', external_id: 'invoices.sh', name: 'Invoice run' },
  });
  expect(created.status()).toBe(201);
  const automation = await created.json();
  const key: string = automation.ping.key;

  // A tool (no session): a start and its failing finish, then a success, then a bad exit status.
  const tool = await (await import('@playwright/test')).request.newContext();
  expect((await tool.get(`/ping/${key}/start?rid=run-1`)).status()).toBe(200);
  expect((await tool.post(`/ping/${key}/3?rid=run-1`, { data: 'ledger locked\n2 invoices left' })).status()).toBe(200);
  expect((await tool.get(`/ping/${key}`)).status()).toBe(200);
  const refused = await tool.get(`/ping/${key}/300`);
  expect(refused.status()).toBe(400);
  expect(await refused.text()).toContain('0 to 255');
  await tool.dispose();
  await settled(request);

  await hydrated(page, `/automations/${automation.id}`);
  const runs = page.getByRole('region', { name: 'Runs' });
  await expect(runs.locator('tbody tr')).toHaveCount(2);
  await expect(runs.locator('tbody tr').nth(1)).toContainText('failed (exit 3)');
  await expect(runs.locator('tbody tr').nth(1)).toContainText('2 invoices left');
  await expect(runs.locator('tbody tr').nth(1)).toContainText('run-1');
  await expect(runs.locator('tbody tr').nth(0)).toContainText('succeeded');
  await page.screenshot({ path: 'screenshots/desktop-automation-runs.png', fullPage: true });

  await runs.getByRole('link', { name: 'Every delivery for it' }).click();
  await expect(page).toHaveURL(new RegExp(`/deliveries\\?automation_id=${automation.id}`));
  const rows = page.locator('table.deliveries tbody tr');
  await expect(rows).toHaveCount(4);
  await expect(rows.nth(0)).toContainText('Rejected');
  await expect(rows.nth(0)).toContainText('0 to 255');
  await expect(rows.nth(1)).toContainText('Recorded');
  await page.screenshot({ path: 'screenshots/desktop-deliveries.png', fullPage: true });

  await page.getByLabel('Outcome').selectOption('rejected');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/outcome=rejected/);
  await expect(rows).toHaveCount(1);

  // One delivery whole: what the tool sent.
  await hydrated(page, `/deliveries?automation_id=${automation.id}&outcome=recorded`);
  await rows.last().getByRole('link').first().click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Delivery');
  await expect(page.getByRole('region', { name: 'What arrived' })).toContainText(`/ping/${key}/start?rid=run-1`);
  await expect(page.getByRole('button', { name: 'Replay' })).toBeVisible();
  await page.screenshot({ path: 'screenshots/desktop-delivery.png', fullPage: true });

  // Leave the inventory as it was found.
  expect((await request.delete(`/api/v1/automations/${automation.id}`)).status()).toBe(204);
});

test('an admin adds a source; a slug ping creates an automation that an editor claims', async ({ page, request }) => {
  const team = await request.post('/api/v1/teams', { data: { name: 'Data platform' } });
  expect(team.status()).toBe(201);

  await hydrated(page, '/admin/sources');
  await page.getByLabel('Name').fill('Batch servers');
  await page.getByLabel('Owned by the team').selectOption({ label: 'Data platform' });
  await page.getByRole('button', { name: 'Add the source' }).click();
  const card = page.getByRole('region', { name: 'Batch servers' });
  await expect(card).toContainText('/ping/');
  // The form is emptied, ready for the next source.
  await expect(page.getByLabel('Name')).toHaveValue('');
  const key = (await card.locator('dd code').first().textContent())!.trim();
  expect(key).toMatch(/^[0-9a-f]{32}$/);
  await page.screenshot({ path: 'screenshots/desktop-sources.png', fullPage: true });

  const tool = await (await import('@playwright/test')).request.newContext();
  expect((await tool.get(`/ping/${key}/nightly-export`)).status()).toBe(404);
  expect((await tool.get(`/ping/${key}/nightly-export?create=1`)).status()).toBe(201);
  await tool.dispose();
  await settled(request);

  await hydrated(page, '/inventory');
  const queue = page.getByRole('region', { name: /Claim queue/ });
  await expect(queue).toContainText('nightly-export');
  await page.screenshot({ path: 'screenshots/desktop-claim-queue.png', fullPage: true });
  await queue.getByRole('link', { name: 'nightly-export' }).click();
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await expect(page.getByRole('region', { name: 'Waiting to be claimed' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Runs' }).locator('tbody tr')).toHaveCount(1);
  await page.getByRole('button', { name: 'Claim it: I own it' }).click();
  await expect(page.getByRole('region', { name: 'Waiting to be claimed' })).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Facts' })).toContainText('OwnerAvery Admin');
  const claims = await (await request.get('/api/v1/claims')).json();
  expect(claims).toHaveLength(0);

  // Leave the inventory as it was found.
  const id = page.url().split('/').pop();
  expect((await request.delete(`/api/v1/automations/${id}`)).status()).toBe(204);
});
