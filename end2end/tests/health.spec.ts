// Expected schedules and health, as an owner meets them on an automation's page:
// the schedule in words with the next run due, a refused field, then removing it;
// the health card in words, a refused pause, pausing and resuming.
import { test, expect, type Page } from '@playwright/test';

async function hydrated(page: Page, path: string) {
  await page.goto(path);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
}

test('an owner sets an expected schedule, meets a refusal, and removes it', async ({ page, request }) => {
  const created = await request.post('/api/v1/automations', {
    data: { tool: 'cron', external_id: 'nightly-ledger.sh', name: 'Nightly ledger' },
  });
  expect(created.status()).toBe(201);
  const automation = await created.json();

  await hydrated(page, `/automations/${automation.id}`);
  const card = page.getByRole('region', { name: 'Expected schedule' });
  await expect(card).toContainText('No schedule');

  // A cron schedule with a grace Baton cannot read: refused, with why.
  await card.getByRole('radio', { name: 'at the times of a cron expression' }).check();
  await card.getByRole('textbox', { name: 'Cron expression' }).fill('30 2 * * 1-5');
  await card.getByLabel('Time zone').fill('Europe/Paris');
  await card.getByRole('textbox', { name: 'Grace' }).fill('soon');
  await card.getByRole('button', { name: 'Save the schedule' }).click();
  await expect(card.locator('.field__error')).toContainText('use d, h, m and s');

  await card.getByRole('textbox', { name: 'Grace' }).fill('45m');
  await card.getByLabel('Longest a run may take').fill('1h');
  await card.getByRole('button', { name: 'Save the schedule' }).click();
  await expect(card).toContainText('(Europe/Paris), with 45m of grace; a run takes at most 1h.');
  await expect(card).toContainText('Next run due');
  await expect(card).toContainText('missed if none has come by');
  await page.screenshot({ path: 'screenshots/desktop-automation-schedule.png', fullPage: true });

  const schedule = await (await request.get(`/api/v1/automations/${automation.id}/schedule`)).json();
  expect(schedule.schedule.cron).toBe('30 2 * * 1-5');
  expect(schedule.schedule.grace_seconds).toBe(2700);

  // Without JavaScript the page says the same.
  const bare = await request.get(`/automations/${automation.id}`);
  expect(await bare.text()).toContain('with 45m of grace');

  await card.getByRole('button', { name: 'Expect nothing' }).click();
  await expect(card).toContainText('No schedule');
  expect(await (await request.get(`/api/v1/automations/${automation.id}/schedule`)).json()).toBeNull();

  expect((await request.delete(`/api/v1/automations/${automation.id}`)).status()).toBe(204);
});

test('health reads in words; an owner pauses an automation, meets a refusal, and resumes it', async ({ page, request }) => {
  const created = await request.post('/api/v1/automations', {
    data: { tool: 'cron', external_id: 'health-card.sh', name: 'Health card' },
  });
  expect(created.status()).toBe(201);
  const automation = await created.json();
  // Two runs through its ping URL: one success, then a failure.
  const key = automation.ping.key;
  expect((await request.get(`/ping/${key}`)).status()).toBe(200);
  expect((await request.get(`/ping/${key}/3`)).status()).toBe(200);
  await expect
    .poll(async () => (await (await request.get(`/api/v1/automations/${automation.id}/health`)).json()).state)
    .toBe('failing');

  await hydrated(page, `/automations/${automation.id}`);
  const card = page.getByRole('region', { name: 'Health' });
  await expect(card.locator('.health')).toHaveText('Failing');
  await expect(card).toContainText('Its latest run failed.');
  await expect(card).toContainText('50.0 % (1 of 2)');
  await expect(card).toContainText('None on or planned');

  // A window that ends before it starts: refused, with why.
  await card.getByLabel('Or a window from (UTC)').fill('2030-01-02T10:00');
  await card.getByLabel('Until (UTC)').fill('2030-01-01T10:00');
  await card.getByRole('button', { name: 'Pause' }).click();
  await expect(card.locator('.field__error')).toContainText('The end must come after the start.');

  // Paused now for two hours, with why.
  await card.getByLabel('Or a window from (UTC)').fill('');
  await card.getByLabel('Until (UTC)').fill('');
  await card.getByLabel('For how long').fill('2h');
  await card.getByLabel('Why').fill('vendor outage');
  await card.getByRole('button', { name: 'Pause' }).click();
  await expect(card.locator('.health')).toHaveText('Paused');
  await expect(card).toContainText(': vendor outage');
  await expect(card).toContainText('On now:');
  await page.screenshot({ path: 'screenshots/desktop-automation-health.png', fullPage: true });

  await card.getByRole('button', { name: 'Resume' }).click();
  await expect(card.locator('.health')).toHaveText('Failing');
  await expect(card).toContainText('None on or planned');

  // Without JavaScript the state reads the same.
  const bare = await request.get(`/automations/${automation.id}`);
  expect(await bare.text()).toContain('Its latest run failed.');

  expect((await request.delete(`/api/v1/automations/${automation.id}`)).status()).toBe(204);
});
