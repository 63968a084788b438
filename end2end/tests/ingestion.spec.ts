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

test('an admin adds a GitHub source; a signed workflow run lands in the claim queue with its run', async ({ page, request }) => {
  const { createHmac } = await import('node:crypto');
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  expect((await request.post('/api/v1/teams', { data: { name: 'Release engineering' } })).status()).toBe(201);

  await hydrated(page, '/admin/sources');
  await page.getByLabel('Name').fill('GitHub octo-org');
  await page.getByLabel('Takes').selectOption({ label: 'GitHub webhooks' });
  await page.getByLabel('Owned by the team').selectOption({ label: 'Release engineering' });
  await page.getByRole('button', { name: 'Add the source' }).click();
  const card = page.getByRole('region', { name: 'GitHub octo-org' });
  await expect(card).toContainText('GitHub webhooks');
  await expect(card).toContainText('Settings → Webhooks');
  const hookUrl = (await card.locator('dt:has-text("Webhook URL") + dd code').textContent())!.trim();
  expect(hookUrl).toMatch(/\/hooks\/github\/[0-9a-f]{32}$/);
  // The secret stays folded until asked for.
  const secretCode = card.locator('details.secret code');
  await expect(secretCode).toBeHidden();
  await card.getByText('Show the secret').click();
  await expect(secretCode).toBeVisible();
  const secret = (await secretCode.textContent())!.trim();
  expect(secret).toMatch(/^[0-9a-f]{64}$/);
  await page.screenshot({ path: 'screenshots/desktop-sources-github.png', fullPage: true });

  // GitHub delivers a finished workflow run, and a push Baton does not map.
  const fixtures = join(__dirname, '..', '..', 'server', 'tests', 'fixtures', 'webhooks');
  const run = readFileSync(join(fixtures, 'github-octokit', 'workflow_run.completed.success.json'));
  const sign = (body: Buffer) => 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
  const path = new URL(hookUrl).pathname;
  const github = await (await import('@playwright/test')).request.newContext();
  const sent = await github.post(path, {
    data: run,
    headers: { 'content-type': 'application/json', 'x-github-event': 'workflow_run', 'x-github-delivery': 'e2e-1', 'x-hub-signature-256': sign(run) },
  });
  expect(sent.status()).toBe(200);
  expect((await sent.json()).mapped).toBe('run');
  const push = Buffer.from('{"ref":"refs/heads/main"}');
  const ignored = await github.post(path, {
    data: push,
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': sign(push) },
  });
  expect((await ignored.json()).mapped).toBe('ignored');
  const unsigned = await github.post(path, { data: run, headers: { 'x-github-event': 'workflow_run' } });
  expect(unsigned.status()).toBe(401);
  await github.dispose();
  await settled(request);

  // The source's card counts the refused delivery.
  await hydrated(page, '/admin/sources');
  await expect(page.getByRole('region', { name: 'GitHub octo-org' })).toContainText('1 deliveries refused for a missing or wrong signature');

  await hydrated(page, '/inventory');
  const queue = page.getByRole('region', { name: /Claim queue/ });
  await expect(queue).toContainText('.github/workflows/test.yml (octo-org/octo-repo)');
  await queue.getByRole('link', { name: '.github/workflows/test.yml (octo-org/octo-repo)' }).click();
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  const runs = page.getByRole('region', { name: 'Runs' });
  await expect(runs.locator('tbody tr')).toHaveCount(1);
  await expect(runs.locator('tbody tr').first()).toContainText('succeeded');
  await expect(runs.getByRole('link', { name: 'in its tool' })).toHaveAttribute('href', 'https://github.com/octo-org/octo-repo/actions/runs/289782451');
  await page.screenshot({ path: 'screenshots/desktop-automation-webhook-run.png', fullPage: true });
  const id = page.url().split('/').pop();

  // Both deliveries are in the log, with what they came to.
  await runs.getByRole('link', { name: 'Every delivery for it' }).click();
  await expect(page.locator('table.deliveries tbody tr')).toHaveCount(1);
  await expect(page.locator('table.deliveries tbody tr').first()).toContainText('Recorded');
  await expect(page.locator('table.deliveries tbody tr').first()).toContainText('succeeded');
  const sources = await (await request.get('/api/v1/sources')).json();
  const source = sources.find((s: { name: string }) => s.name === 'GitHub octo-org');
  await hydrated(page, `/deliveries?source_id=${source.id}&outcome=ignored`);
  const row = page.locator('table.deliveries tbody tr');
  await expect(row).toHaveCount(1);
  await expect(row.first()).toContainText('Baton does not map GitHub "push" events');
  await row.first().getByRole('link').first().click();
  await expect(page.getByRole('region', { name: 'Headers' })).toContainText('x-hub-signature-256');
  await page.screenshot({ path: 'screenshots/desktop-delivery-webhook.png', fullPage: true });

  // Rotating the secret shows a new one.
  await hydrated(page, '/admin/sources');
  page.once('dialog', (dialog) => dialog.accept());
  const rotated = page.getByRole('region', { name: 'GitHub octo-org' });
  await rotated.getByRole('button', { name: 'Rotate the secret' }).click();
  await rotated.getByText('Show the secret').click();
  await expect(rotated.locator('details.secret code')).not.toHaveText(secret);

  expect((await request.delete(`/api/v1/automations/${id}`)).status()).toBe(204);
});
