// The dashboard as a leader keeps it open: a ping changes it without a
// reload, also when the ping reaches another instance on the same
// PostgreSQL; it says quietly when its live connection drops and when it
// comes back; and a click leads into the orchestration.
import { test, expect, type Page, type Locator } from '@playwright/test';
import { PASSWORD, signIn } from './accounts';
import { createAdmin, createDatabase, freePort, startInstance, type Instance } from './instances';

async function hydrated(page: Page, path: string) {
  await page.goto(path);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
}

/** The count beside a state in the dashboard's Health card. */
function count(page: Page, of: 'Orchestrations' | 'Automations', state: string): Locator {
  return page
    .locator('.state-counts')
    .filter({ has: page.getByRole('heading', { name: of }) })
    .locator('li')
    .filter({ hasText: state })
    .locator('.state-counts__n');
}

/** Marks the page: a reload would lose the mark. */
async function mark(page: Page) {
  await page.evaluate(() => ((window as unknown as { batonMark: number }).batonMark = 1));
}

async function stillMarked(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { batonMark?: number }).batonMark)).toBe(1);
}

test('a ping changes the open dashboard without a reload, and a click leads into the orchestration', async ({ page, request }) => {
  const team = await request.post('/api/v1/teams', { data: { name: 'Order desk' } });
  expect(team.status()).toBe(201);
  const teamId = (await team.json()).id;
  const orchestration = await request.post('/api/v1/orchestrations', {
    data: { name: 'Order intake', purpose: 'Every web order reaches the warehouse', team_id: teamId, tier: 2 },
  });
  expect(orchestration.status()).toBe(201);
  const o = await orchestration.json();
  const automation = await request.post('/api/v1/automations', {
    data: { tool: 'cron', external_id: 'pull-orders.sh', name: 'Pull web orders', orchestration_id: o.id },
  });
  expect(automation.status()).toBe(201);
  const key = (await automation.json()).ping.key;

  await hydrated(page, `/?team=${teamId}`);
  const live = page.getByRole('status').filter({ hasText: /Live/ });
  await expect(live).toHaveText('Live: updates as runs arrive.');
  await expect(count(page, 'Orchestrations', 'Unknown')).toHaveText('1');
  await expect(count(page, 'Orchestrations', 'Healthy')).toHaveText('0');
  const asOf = await page.locator('.as-of time').getAttribute('datetime');
  await mark(page);

  expect((await request.get(`/ping/${key}`)).status()).toBe(200);
  await expect(count(page, 'Orchestrations', 'Healthy')).toHaveText('1');
  await expect(count(page, 'Orchestrations', 'Unknown')).toHaveText('0');
  await expect(count(page, 'Automations', 'Healthy')).toHaveText('1');
  await expect(page.locator('.as-of time')).not.toHaveAttribute('datetime', asOf ?? '');
  await stillMarked(page);

  // A failure: the orchestration needs attention, still without a reload.
  expect((await request.get(`/ping/${key}/fail`)).status()).toBe(200);
  const attention = page.getByRole('region', { name: 'Needs attention' });
  await expect(attention.getByRole('link', { name: 'Order intake' })).toBeVisible();
  await expect(count(page, 'Orchestrations', 'Failing')).toHaveText('1');
  await stillMarked(page);
  await page.screenshot({ path: 'screenshots/desktop-dashboard-live.png', fullPage: true });

  // Drill in: the orchestration's page, its card and its automation.
  await attention.getByRole('link', { name: 'Order intake' }).click();
  await expect(page).toHaveURL(/\/orchestrations\/order-intake$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Order intake' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Product card' })).toContainText('Order desk');
  await expect(
    page.getByRole('region', { name: 'Automations' }).getByRole('link', { name: 'Pull web orders' }),
  ).toBeVisible();
  await page.screenshot({ path: 'screenshots/desktop-orchestration-live.png', fullPage: true });

  // At phone width the dashboard reads in one column.
  await page.setViewportSize({ width: 390, height: 844 });
  await hydrated(page, `/?team=${teamId}`);
  await expect(count(page, 'Orchestrations', 'Failing')).toHaveText('1');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
  await page.screenshot({ path: 'screenshots/phone-dashboard.png', fullPage: true });
});

test.describe('two instances on one PostgreSQL', () => {
  let db: ReturnType<typeof createDatabase>;
  const instances: Instance[] = [];
  test.afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    db?.drop();
  });

  test('a ping to one instance changes the dashboard served by the other, which says when it loses and regains its connection', async ({ browser }) => {
    test.setTimeout(90_000);
    db = createDatabase();
    const token = createAdmin(db.url, 'lee@example.com', 'Lee Leader');
    const [portA, portB] = [await freePort(), await freePort()];
    let a = await startInstance(db.url, portA);
    instances.push(a);
    const b = await startInstance(db.url, portB);
    instances.push(b);

    const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const made = await fetch(`${a.url}/api/v1/automations`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ tool: 'cron', external_id: 'backup.sh', name: 'Nightly backup' }),
    });
    expect(made.status).toBe(201);
    const key = (await made.json()).ping.key;

    const context = await browser.newContext({
      baseURL: a.url,
      storageState: { cookies: [], origins: [] },
      extraHTTPHeaders: { Origin: a.url },
    });
    const page = await context.newPage();
    await page.goto('/sign-in');
    await signIn(page, 'lee@example.com', PASSWORD);
    await expect(page).toHaveURL(`${a.url}/`);
    await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
    const status = page.locator('.live-status');
    await expect(status).toHaveText('Live: updates as runs arrive.');
    await expect(count(page, 'Automations', 'Unknown')).toHaveText('1');
    await mark(page);

    // The ping goes to B; the dashboard is A's.
    expect((await fetch(`${b.url}/ping/${key}`)).status).toBe(200);
    await expect(count(page, 'Automations', 'Healthy')).toHaveText('1');
    await expect(count(page, 'Automations', 'Unknown')).toHaveText('0');
    await stillMarked(page);

    // A stops: the page says it lost its live connection, and keeps what it shows.
    await a.stop();
    await expect(status).toHaveAttribute('data-live', 'lost');
    await expect(status).toContainText('Live updates lost; reconnecting');
    await expect(count(page, 'Automations', 'Healthy')).toHaveText('1');
    await page.screenshot({ path: 'screenshots/desktop-dashboard-reconnecting.png' });

    // Meanwhile a failure reaches B. A comes back on the same port: the
    // page reconnects, says so, and catches up.
    expect((await fetch(`${b.url}/ping/${key}/fail`)).status).toBe(200);
    a = await startInstance(db.url, portA);
    instances.push(a);
    await expect(status).toHaveAttribute('data-live', 'back', { timeout: 15_000 });
    await expect(status).toHaveText('Live updates are back; the figures were reloaded.');
    await expect(count(page, 'Automations', 'Failing')).toHaveText('1');
    await stillMarked(page);

    // And it stays live: the next success, again through B, ends the
    // failure; one run in three failed this week, so it is under target.
    expect((await fetch(`${b.url}/ping/${key}`)).status).toBe(200);
    await expect(count(page, 'Automations', 'Degraded')).toHaveText('1');
    await expect(count(page, 'Automations', 'Failing')).toHaveText('0');
    await stillMarked(page);
    await context.close();
  });
});
