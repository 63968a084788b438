// An orchestration's page as its owner reads it after a bad night: the run
// history of all its automations, a page at a time, narrowed by outcome
// and automation, each run's log and the delivery that told of it; the
// durations chart; where each automation reports; and a new run showing
// up without a reload.
import { test, expect, type Page } from '@playwright/test';

async function hydrated(page: Page, path: string) {
  await page.goto(path);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
}

test('the run history pages, filters, opens a log and a delivery, and takes new runs live', async ({ page, request }) => {
  const created = await request.post('/api/v1/orchestrations', {
    data: { name: 'Salary run', purpose: 'Everyone is paid on the 25th', tier: 2 },
  });
  expect(created.status()).toBe(201);
  const o = await created.json();
  const keys: Record<string, string> = {};
  const ids: Record<string, number> = {};
  for (const name of ['Compute payslips', 'Send bank file']) {
    const res = await request.post('/api/v1/automations', {
      data: { tool: 'cron', external_id: name, name, orchestration_id: o.id },
    });
    expect(res.status()).toBe(201);
    const a = await res.json();
    keys[name] = a.ping.key;
    ids[name] = a.id;
  }
  // 26 runs of one, each started and finished with its log; 4 failures of the other.
  for (let i = 1; i <= 26; i++) {
    const key = keys['Compute payslips'];
    expect((await request.get(`/ping/${key}/start?rid=p${i}`)).status()).toBe(200);
    const body = `payslips for batch ${i}\nrows written: ${i * 10}\nbatch ${i} complete`;
    expect((await request.post(`/ping/${key}/0?rid=p${i}`, { data: body })).status()).toBe(200);
  }
  for (let i = 1; i <= 4; i++) {
    const res = await request.post(`/ping/${keys['Send bank file']}/fail`, { data: `SFTP refused: attempt ${i}` });
    expect(res.status()).toBe(200);
  }
  await expect
    .poll(async () => (await (await request.get('/api/v1/orchestrations/salary-run/runs')).json()).total)
    .toBe(30);

  await hydrated(page, '/orchestrations/salary-run');
  const history = page.getByRole('region', { name: 'Run history' });
  await expect(history.locator('caption')).toHaveText('Runs 1–25 of 30, newest first');
  // Newest first: the four failures lead.
  const rows = history.locator('tbody tr');
  await expect(rows).toHaveCount(25);
  await expect(rows.first()).toContainText('Send bank file');
  await expect(rows.first()).toContainText('failed');
  // The whole log of a run unfolds below its last line.
  const payslips = rows.filter({ hasText: 'Compute payslips' }).first();
  await expect(payslips.locator('summary')).toHaveText('batch 26 complete');
  await payslips.locator('summary').click();
  await expect(payslips.locator('pre.log')).toContainText('rows written: 260');
  // …and downloads as it was received.
  const download = payslips.getByRole('link', { name: 'Download the log as received' });
  const got = await page.request.get((await download.getAttribute('href'))!);
  expect(got.headers()['content-type']).toBe('application/octet-stream');
  expect(await got.text()).toContain('rows written: 260');
  // Durations, drawn on the server, named for screen readers.
  await expect(page.getByRole('img', { name: /How long runs took/ })).toBeVisible();
  await page.screenshot({ path: 'screenshots/desktop-orchestration-history.png', fullPage: true });

  // Older runs: the next page, the filter kept in the address.
  await history.getByRole('link', { name: 'Older runs' }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(history.locator('caption')).toHaveText('Runs 26–30 of 30, newest first');

  // Only failures.
  await history.getByLabel('Outcome').selectOption('failed');
  await history.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/outcome=failed/);
  await expect(history.locator('caption')).toHaveText('Runs 1–4 of 4, newest first');
  for (const row of await rows.all()) {
    await expect(row).toContainText('Send bank file');
    await expect(row.locator('.status')).toHaveText('failed');
  }
  // One automation, any outcome: nothing of the other.
  await history.getByLabel('Outcome').selectOption('');
  await history.getByLabel('Automation').selectOption({ label: 'Compute payslips' });
  await history.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(new RegExp(`automation=${ids['Compute payslips']}`));
  await expect(history.locator('caption')).toHaveText('Runs 1–25 of 26, newest first');
  await expect(rows.filter({ hasText: 'Send bank file' })).toHaveCount(0);

  // A new run arrives while the page is open: it appears without a reload.
  await page.evaluate(() => ((window as unknown as { batonMark: number }).batonMark = 1));
  expect((await request.get(`/ping/${keys['Compute payslips']}`)).status()).toBe(200);
  await expect(history.locator('caption')).toHaveText('Runs 1–25 of 27, newest first');
  expect(await page.evaluate(() => (window as unknown as { batonMark?: number }).batonMark)).toBe(1);

  // Where each automation reports, and its deliveries.
  const ingestion = page.getByRole('region', { name: 'Ingestion' });
  await expect(ingestion).toContainText(`/ping/${keys['Send bank file']}`);
  await ingestion.getByRole('link', { name: "Send bank file's deliveries" }).click();
  await expect(page).toHaveURL(new RegExp(`/deliveries\\?automation_id=${ids['Send bank file']}`));
  await expect(page.locator('tbody tr')).toHaveCount(4);

  // A run's delivery, exactly as received.
  await hydrated(page, '/orchestrations/salary-run?outcome=failed#runs');
  await rows.first().getByRole('link', { name: /Delivery \d+, as received/ }).click();
  await expect(page).toHaveURL(/\/deliveries\/\d+$/);
  await expect(page.locator('main')).toContainText('SFTP refused: attempt 4');

  // At phone width the history reads as cards, without sideways scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  await hydrated(page, '/orchestrations/salary-run');
  await expect(history.locator('caption')).toContainText('of 31');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: 'screenshots/phone-orchestration-history.png', fullPage: true });
});
