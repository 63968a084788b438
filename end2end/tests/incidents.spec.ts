// Incidents as an owner meets them: an alert channel added on the account
// page (a refused address first), a failure that opens an incident and
// alerts a real local receiver once, the incident's page, acknowledging it,
// and a success closing it with a recovery notice.
import { test, expect, type Page } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PASSWORD } from './accounts';

async function hydrated(page: Page, path: string) {
  await page.goto(path);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
}

type Received = { path: string; body: string };

test('an owner adds a channel, is alerted of a failure once, acknowledges it, and hears it recover', async ({ page, request }) => {
  const got: Received[] = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      got.push({ path: req.url ?? '', body });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  let automationId: number | undefined;
  try {
    // The channel, on the account page: a bad address is refused with why.
    await hydrated(page, '/account');
    const card = page.getByRole('region', { name: 'Your alert channels' });
    await card.getByLabel('Name').fill('My desk');
    await card.getByLabel('Kind').selectOption('slack');
    await card.getByLabel('Address').fill('ftp://files.example.com/in');
    await card.getByRole('button', { name: 'Add the channel' }).click();
    await expect(card.locator('.field__error')).toContainText('starting with https://');
    await card.getByLabel('Address').fill(`http://127.0.0.1:${port}/desk`);
    await card.getByRole('button', { name: 'Add the channel' }).click();
    await expect(card.getByRole('table')).toContainText('My desk');
    await expect(card.getByRole('table')).toContainText('Slack-compatible webhook');
    // Send a test: the receiver's answer is shown, and the message arrived.
    await card.getByRole('button', { name: 'Send a test to My desk' }).click();
    await expect(card.locator('.test-answer')).toHaveText('Arrived: the receiver answered 204 No Content.');
    await expect.poll(() => got.length).toBe(1);
    expect(JSON.parse(got[0].body).text).toContain('Test from Baton');
    got.length = 0;

    // An automation the administrator owns fails.
    const directory = await (await request.get('/api/v1/people')).json();
    const me = directory.people.find((p: { email: string }) => p.email === 'admin@example.com');
    const created = await request.post('/api/v1/automations', {
      data: {
        tool: 'cron', external_id: 'alerted.sh', name: 'Alerted export', owner_id: me.id,
        failure_mode: 'Finance gets no export; the month cannot close',
      },
    });
    expect(created.status()).toBe(201);
    const automation = await created.json();
    automationId = automation.id;
    expect((await request.get(`/ping/${automation.ping.key}/3`)).status()).toBe(200);
    expect((await request.get(`/ping/${automation.ping.key}/fail`)).status()).toBe(200);

    // One incident, one alert, however many failures.
    await expect.poll(() => got.length, { timeout: 20_000 }).toBe(1);
    const alert = JSON.parse(got[0].body);
    expect(alert.text).toContain('Alerted export failed');
    expect(alert.text).toContain('Failure mode:* Finance gets no export');

    // The dashboard counts it, and lists it among the open incidents.
    await hydrated(page, '/');
    const open = page.getByRole('region', { name: /Open incidents/ });
    await expect(open).toContainText('Alerted export failed');
    await expect(page.getByRole('region', { name: 'Health' })).toContainText('Failing');
    // The month's runs, drawn on the server, named for screen readers.
    const chart = page.getByRole('img', { name: /Every automation's runs per day/ });
    await expect(chart).toBeVisible();
    await expect(chart).toHaveAccessibleName(/\d+ failed/);
    await page.screenshot({ path: 'screenshots/desktop-dashboard-incident.png', fullPage: true });
    // Narrowed to tier 1 (the loose automation has no tier): kept in the address.
    const filters = page.getByRole('form', { name: 'Narrow the dashboard' });
    await filters.getByLabel('Tier').selectOption('1');
    await filters.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/[?&]tier=1/);
    await expect(page.getByRole('region', { name: /Open incidents/ })).toContainText('Open incidents (0)');
    await expect(filters.getByLabel('Tier')).toHaveValue('1');
    await filters.getByRole('link', { name: 'Everything' }).click();
    await expect(page.getByRole('region', { name: /Open incidents/ })).toContainText('Open incidents (1)');

    await hydrated(page, '/incidents');
    const row = page.getByRole('row', { name: /Alerted export failed/ });
    await expect(row).toContainText('Open');
    // Who was told: the channel the alert reached.
    await expect(row.getByRole('cell').nth(2)).toContainText('My desk');
    await page.screenshot({ path: 'screenshots/desktop-incidents.png', fullPage: true });
    await row.getByRole('link', { name: /Alerted export failed/ }).click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Alerted export failed');
    await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await expect(timeline).toContainText('Opened');
    await expect(timeline).toContainText('failed (exit 3)');
    await expect(timeline).toContainText('Failed again');
    await expect(page.locator('.told')).toContainText(/^Told “My desk \(.+\)” at \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/);
    await expect(page.locator('.told--nobody')).toHaveCount(0);
    // Each failing run it took in, with its outcome and the delivery that
    // told of it.
    const failingRuns = page.getByRole('region', { name: 'Failing runs' });
    await expect(failingRuns.locator('tbody tr')).toHaveCount(2);
    await expect(failingRuns.locator('tbody tr').first()).toContainText('failed');
    await expect(failingRuns.getByRole('link', { name: /^Delivery \d+, as received$/ })).toHaveCount(2);
    const alerts = page.getByRole('region', { name: 'Alerts' });
    await expect(alerts).toContainText('My desk');
    await expect(alerts).toContainText('Sent');
    await page.screenshot({ path: 'screenshots/desktop-incident-open.png', fullPage: true });

    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await expect(page.locator('.lede')).toContainText('acknowledged it');
    await expect(timeline).toContainText('Acknowledged');
    await expect(page.getByRole('button', { name: 'Acknowledge' })).toHaveCount(0);
    await page.screenshot({ path: 'screenshots/desktop-incident-acknowledged.png', fullPage: true });
    const incidents = await (await request.get('/api/v1/incidents?state=open')).json();
    const mine = incidents.incidents.find((i: { automation: string }) => i.automation === 'Alerted export');
    expect(mine.acknowledged_by).toBeTruthy();

    // A success closes it; the owner hears it recovered.
    expect((await request.get(`/ping/${automation.ping.key}`)).status()).toBe(200);
    await expect.poll(() => got.length, { timeout: 20_000 }).toBe(2);
    expect(JSON.parse(got[1].body).text).toContain('Recovered');
    await page.reload();
    await expect(page.locator('.lede')).toContainText('Resolved');

    await page.setViewportSize({ width: 390, height: 844 });
    await hydrated(page, '/incidents?state=resolved');
    await expect(page.getByRole('row', { name: /Alerted export failed/ })).toContainText('Resolved');
    await page.screenshot({ path: 'screenshots/phone-incidents.png', fullPage: true });
  } finally {
    receiver.close();
    if (automationId !== undefined) {
      await request.delete(`/api/v1/automations/${automationId}`);
    }
    const mine = await (await request.get('/api/v1/account/channels')).json();
    for (const channel of mine.filter((c: { name: string }) => c.name === 'My desk')) {
      await request.delete(`/api/v1/account/channels/${channel.id}`);
    }
  }
});

test('an admin adds a team channel, sees its secret, and removes it', async ({ page, request }) => {
  const team = await request.post('/api/v1/teams', { data: { name: 'Night shift' } });
  expect(team.status()).toBe(201);
  await hydrated(page, '/admin');
  await page.getByRole('link', { name: 'Alert channels' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Alert channels');
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  const form = page.getByRole('region', { name: 'Add a channel' });
  await form.getByLabel('Name').fill('Night shift hook');
  await form.getByLabel('For').selectOption({ label: 'Night shift' });
  await form.getByLabel('Kind').selectOption('webhook');
  await form.getByLabel('Address').fill('https://hooks.example.com/night');
  await form.getByRole('button', { name: 'Add the channel' }).click();
  const row = page.getByRole('row', { name: /Night shift hook/ });
  await expect(row).toContainText('Night shift (team)');
  await expect(row).toContainText('JSON webhook');
  await expect(row).toContainText('whsec_');
  await page.screenshot({ path: 'screenshots/desktop-admin-channels.png', fullPage: true });
  await row.getByRole('button', { name: 'Remove Night shift hook' }).click();
  await expect(page.getByRole('row', { name: /Night shift hook/ })).toHaveCount(0);
  const audit = await (await request.get('/api/v1/audit?subject_kind=channel')).json();
  expect(audit.entries.map((e: { action: string }) => e.action)).toEqual(
    expect.arrayContaining(['channel.added', 'channel.removed']),
  );
});

// Nobody told is its own red state: an incident of an automation whose
// owner, backup owner and team have no channel says so, with what to do,
// on its page, in the list and on the dashboard; its orchestration's page
// said so before anything failed.
test('an incident nobody was told of says so in red, and its orchestration warned before', async ({ page, request }) => {
  const person = await request.post('/api/v1/people', {
    data: { email: 'unheard@example.com', display_name: 'Uma Unheard', role: 'editor', password: PASSWORD },
  });
  expect(person.status(), await person.text()).toBe(201);
  const uma = await person.json();
  const made = await request.post('/api/v1/orchestrations', {
    data: { name: 'Unheard payroll', owner_id: uma.id, failure_mode: 'Nobody is paid' },
  });
  expect(made.status(), await made.text()).toBe(201);
  const orchestration = await made.json();
  const added = await request.post('/api/v1/automations', {
    data: { tool: 'cron', external_id: 'unheard.sh', name: 'Unheard payroll run', orchestration_id: orchestration.id },
  });
  expect(added.status()).toBe(201);
  const automation = await added.json();
  try {
    await hydrated(page, `/orchestrations/${orchestration.slug}`);
    const alerting = page.getByRole('region', { name: 'Alerts' });
    await expect(alerting).toContainText('No open incident.');
    await expect(alerting.locator('.told--nobody')).toContainText('Nobody would be told');
    await alerting.scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'screenshots/desktop-orchestration-nobody-would-be-told.png', fullPage: true });

    expect((await request.get(`/ping/${automation.ping.key}/fail`)).status()).toBe(200);
    let id: number | undefined;
    await expect
      .poll(async () => {
        const list = await (await request.get('/api/v1/incidents?state=open')).json();
        id = list.incidents.find((i: { automation: string }) => i.automation === 'Unheard payroll run')?.id;
        return id;
      }, { timeout: 20_000 })
      .toBeTruthy();
    await hydrated(page, `/incidents/${id}`);
    const nobody = page.locator('.told--nobody');
    await expect(nobody).toContainText('Nobody was told: neither the owner, the backup owner nor the team has an alert channel.');
    await expect(nobody).toContainText('Add an alert channel');
    await expect(page.locator('.lede')).not.toContainText('has been told');
    await page.screenshot({ path: 'screenshots/desktop-incident-nobody-told.png', fullPage: true });

    await hydrated(page, '/incidents');
    await expect(page.getByRole('row', { name: /Unheard payroll run/ }).getByRole('cell').nth(2).locator('.status--bad')).toHaveText('nobody: no channel');
    await hydrated(page, '/');
    await expect(page.getByRole('region', { name: /Open incidents/ })).toContainText('told: nobody: no channel');
    const gaps = page.getByRole('region', { name: 'Gaps in the catalog' });
    await expect(gaps.locator('.gap--bad')).toContainText('would alert nobody');
    await expect(gaps.locator('.gap--bad').getByRole('link', { name: 'Unheard payroll' })).toBeVisible();

    // It recovers: the incident closes, and the words stay true.
    expect((await request.get(`/ping/${automation.ping.key}`)).status()).toBe(200);
    await expect
      .poll(async () => (await (await request.get(`/api/v1/incidents/${id}`)).json()).resolved_at, { timeout: 20_000 })
      .toBeTruthy();
    await hydrated(page, `/incidents/${id}`);
    await expect(page.locator('.told--nobody')).toContainText('Nobody was told');
  } finally {
    await request.delete(`/api/v1/automations/${automation.id}`);
    await request.delete(`/api/v1/orchestrations/${orchestration.slug}?confirm=${orchestration.slug}`);
  }
});
