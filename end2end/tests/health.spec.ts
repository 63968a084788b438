// Expected schedules, as an owner sets them on an automation's page: the
// schedule in words with the next run due, a refused field with its message,
// then removing it.
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
