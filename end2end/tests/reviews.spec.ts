// A whole quarterly review as its owner does it: the board shows the
// review due, the orchestration page starts it, an action item is set,
// the checklist answered (a "no" with its note), a decision taken and the
// review signed off; then the board and the quarterly report show it done.
import { test, expect, type Page } from '@playwright/test';

async function hydrated(page: Page, path: string) {
  await page.goto(path);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
}

test('an owner performs a whole review, and the board and the report change', async ({ page, request }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const directory = await (await request.get('/api/v1/people')).json();
  const admin = directory.people.find((p: { email: string }) => p.email === 'admin@example.com').id;
  const created = await request.post('/api/v1/orchestrations', {
    data: {
      name: 'Vendor payments', purpose: 'Suppliers are paid on the agreed day', tier: 1,
      owner_id: admin, failure_mode: 'Suppliers are paid late and charge fees',
      fallback: 'Pay from the bank portal by hand',
    },
  });
  expect(created.status()).toBe(201);

  // The board: due this quarter, not started.
  await hydrated(page, '/reviews');
  const row = page.getByRole('row').filter({ hasText: 'Vendor payments' });
  await expect(row).toContainText('Due');
  await expect(row.getByRole('link', { name: 'Start' })).toBeVisible();
  await page.screenshot({ path: 'screenshots/desktop-review-board-before.png', fullPage: true });

  // Started from the orchestration page.
  await hydrated(page, '/orchestrations/vendor-payments');
  const card = page.getByRole('region', { name: 'Reviews' });
  await expect(card).toContainText('No review has been signed off yet.');
  await card.getByRole('button', { name: 'Start a review' }).click();
  await expect(page).toHaveURL(/\/reviews\/\d+$/);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Review of Vendor payments');
  const backup = page.getByRole('group', { name: 'Is a backup owner set, and do they know it?' });
  await expect(backup).toContainText('Baton sees: No backup owner is set. (suggests no)');

  // An action item first: it is added to the draft at once.
  await page.getByLabel('What is to be done').fill('Name a backup owner');
  await page.getByLabel('Due by').fill('2027-01-15');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const actions = page.getByRole('region', { name: 'Action items' });
  await expect(actions.getByRole('row').filter({ hasText: 'Name a backup owner' })).toContainText('Open');

  // Signing off too early says what is missing, and keeps the draft.
  await page.getByRole('button', { name: 'Sign off' }).click();
  await expect(page.getByRole('alert')).toContainText('Nothing was saved');
  await expect(page.getByRole('alert')).toContainText('choose a decision before signing off');

  // The checklist, a "no" with its note, and a decision.
  const questions = [
    'Is the owner still the right person?',
    'Was the runbook verified this quarter?',
    'Is the written failure mode still true?',
    'Is health within its target?',
    'Are its dependencies still correct?',
  ];
  for (const q of questions) {
    await page.getByRole('group', { name: q }).getByLabel('Yes', { exact: true }).check();
  }
  await backup.getByLabel('No', { exact: true }).check();
  await backup.getByLabel('Note', { exact: true }).fill('Nobody stands in for Ana: see the action item.');
  await page.getByRole('group', { name: 'Decision' }).getByLabel(/^Keep/).check();
  await page.getByLabel('Notes', { exact: true }).fill('Runs well; one gap in cover.');
  await page.screenshot({ path: 'screenshots/desktop-review.png', fullPage: true });
  await page.getByRole('button', { name: 'Sign off' }).click();
  await expect(page.locator('.lede')).toContainText('Signed off by Avery Admin');
  await expect(page.locator('.lede')).toContainText('on time');
  await expect(page.getByRole('button', { name: 'Sign off' })).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Checklist' })).toContainText('Nobody stands in for Ana');
  await page.screenshot({ path: 'screenshots/desktop-review-signed.png', fullPage: true });

  // The board: done on time, with the decision.
  await hydrated(page, '/reviews');
  const done = page.getByRole('row').filter({ hasText: 'Vendor payments' });
  await expect(done).toContainText('Done');
  await expect(done).toContainText('Keep');
  await page.screenshot({ path: 'screenshots/desktop-review-board.png', fullPage: true });

  // The report: the decision and the open action item; printed.
  await page.getByRole('link', { name: 'Quarterly report' }).click();
  await expect(page).toHaveURL(/\/reviews\/report\?quarter=\d{4}-Q\d$/);
  await expect(page.getByRole('region', { name: 'Decisions taken' })).toContainText('Vendor payments: keep');
  await expect(page.getByRole('region', { name: 'Open action items' })).toContainText('Name a backup owner');
  await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: 'screenshots/print-review-report.png', fullPage: true });
  await page.emulateMedia({ media: 'screen' });
  expect(errors).toEqual([]);
});
