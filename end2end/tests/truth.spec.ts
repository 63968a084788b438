// Figures that move together, and numbers a leader can drill into: failing
// pings reach an open orchestration page, and its health, chart, incidents,
// automations and run history agree without a reload; the dashboard's
// week strip, its counts and its attention list lead to what is behind
// them.
import { test, expect, type Page } from '@playwright/test';

async function hydrated(page: Page, path: string) {
  await page.goto(path);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
}

/** Marks the page: a reload would lose the mark. */
async function mark(page: Page) {
  await page.evaluate(() => ((window as unknown as { batonMark: number }).batonMark = 1));
}

async function stillMarked(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { batonMark?: number }).batonMark)).toBe(1);
}

test('failing pings move every figure of an open orchestration page together, and the dashboard drills down', async ({ page, request }) => {
  test.setTimeout(90_000);
  // A name of its own, so a rerun meets no leftover of an earlier one.
  const title = `Truth ledger ${Date.now().toString(36)}`;
  const made = await request.post('/api/v1/orchestrations', {
    data: { name: title, purpose: 'Post the day’s ledger', tier: 1 },
  });
  expect(made.status()).toBe(201);
  const o = await made.json();
  const names = ['Ledger pull', 'Ledger post'];
  const keys: string[] = [];
  const ids: number[] = [];
  for (const [i, name] of names.entries()) {
    const a = await request.post('/api/v1/automations', {
      data: { tool: 'cron', external_id: `${title}-${i}.sh`, name, orchestration_id: o.id },
    });
    expect(a.status()).toBe(201);
    const made = await a.json();
    keys.push(made.ping.key);
    ids.push(made.id);
  }
  for (const key of keys) {
    expect((await request.get(`/ping/${key}`)).status()).toBe(200);
  }

  await hydrated(page, `/orchestrations/${o.slug}`);
  const health = page.getByRole('region', { name: 'Health' });
  await expect(health.locator('.health-state')).toContainText('Healthy');
  await expect(page.getByRole('region', { name: 'Alerts' })).toContainText('No open incident.');
  await expect(page.getByRole('status').filter({ hasText: /Live/ })).toHaveText('Live: updates as runs arrive.');
  await mark(page);

  // Two failures of one automation, while the page is open.
  expect((await request.get(`/ping/${keys[1]}/fail`)).status()).toBe(200);
  expect((await request.get(`/ping/${keys[1]}/2`)).status()).toBe(200);
  await expect(health.locator('.health-state')).toContainText('Failing');
  await expect(health.getByRole('img', { name: /Runs per day/ })).toHaveAccessibleName(/2 failed/);
  const runs = page.getByRole('region', { name: 'Run history' });
  await expect(runs.locator('tbody tr').filter({ hasText: 'failed' })).toHaveCount(2);
  const automations = page.getByRole('region', { name: 'Automations' });
  await expect(automations.getByRole('row', { name: /Ledger post/ })).toContainText('Failing');
  await expect(automations.getByRole('row', { name: /Ledger pull/ })).toContainText('Healthy');
  // The incident opens, and who was told shows, still without a reload.
  const alerts = page.getByRole('region', { name: 'Alerts' });
  await expect(alerts.getByRole('link', { name: /Ledger post failed/ })).toBeVisible({ timeout: 20_000 });
  await stillMarked(page);
  await page.screenshot({ path: 'screenshots/desktop-orchestration-after-failures.png', fullPage: true });

  // The dashboard: this week's incidents, counts that lead to their list,
  // and the failing automation named under its orchestration.
  await hydrated(page, '/');
  await expect(page.getByRole('status').filter({ hasText: /Live/ })).toHaveText('Live: updates as runs arrive.');
  const week = page.getByRole('region', { name: 'This week' });
  await expect(week).toContainText('New incidents');
  await expect(week.locator('.week__item').filter({ hasText: 'New incidents' }).locator('.week__value')).not.toHaveText('0');
  const attention = page.getByRole('region', { name: 'Needs attention' });
  const row = attention.getByRole('row', { name: title });
  await expect(row.locator('.troubled')).toContainText('Ledger post: failing');
  await expect(row.locator('.troubled')).not.toContainText('Ledger pull');
  await expect(row.locator('.sparkline rect.spark__failed').first()).toBeAttached();
  await page.screenshot({ path: 'screenshots/desktop-dashboard-drilldowns.png', fullPage: true });
  // "opened … ago" keeps ticking while the page stays open.
  const opened = page
    .getByRole('region', { name: /Open incidents/ })
    .locator('li')
    .filter({ hasText: 'Ledger post failed' })
    .locator('.table__sub')
    .first();
  const before = await opened.textContent();
  expect(before).toMatch(/^opened .+ ago$/);
  const asOf = await page.locator('.as-of time').getAttribute('datetime');
  await expect(opened).not.toHaveText(before!, { timeout: 30_000 });
  // The figures were not reloaded meanwhile: the time moved by itself.
  await expect(page.locator('.as-of time')).toHaveAttribute('datetime', asOf!);

  const failing = page.getByRole('link', { name: /failing orchestrations: list them/ });
  const shown = await failing.textContent();
  await failing.click();
  await expect(page).toHaveURL(/\/orchestrations\?health=failing$/);
  await expect(page.locator('.narrowed')).toContainText(`Showing ${shown} of`);
  await expect(page.getByRole('row', { name: title })).toBeVisible();
  await expect(page.getByRole('table').locator('tbody tr')).toHaveCount(Number(shown));

  await hydrated(page, '/');
  await page.getByRole('link', { name: /failing automations: list them/ }).click();
  await expect(page).toHaveURL(/\/inventory\?health=failing$/);
  await expect(page.getByRole('row', { name: /Ledger post/ })).toBeVisible();
  await expect(page.getByRole('row', { name: /Ledger pull/ })).toHaveCount(0);
  await expect(page.getByLabel('Health')).toHaveValue('failing');

  // Leave nothing failing behind for the tests that follow.
  for (const id of ids) {
    expect((await request.delete(`/api/v1/automations/${id}`)).status()).toBe(204);
  }
  expect((await request.delete(`/api/v1/orchestrations/${o.slug}?confirm=${o.slug}`)).status()).toBe(204);
});
