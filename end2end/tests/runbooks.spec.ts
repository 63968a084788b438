// A runbook as its owner writes and keeps it: started from the template
// with the preview following the typing, saved twice, verified, two
// revisions compared, an old one restored, and a save that meets the
// backup owner's from a second signed-in session, with nothing lost.
import { test, expect, type Page } from '@playwright/test';
import { createPerson, signIn, expectSignedInAs } from './accounts';

async function hydrated(page: Page, path: string) {
  await page.goto(path);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
}

const FIRST = [
  '# Cash forecast',
  '',
  'Treasury reads it every Monday at 9.',
  '',
  '## When a run fails {#failed}',
  '',
  'Re-run the **forecast job** from the scheduler.',
  '',
  '## Contacts',
  '',
  '- Treasury desk',
  '',
].join('\n');

test('an owner writes, compares, restores and verifies a runbook, and meets a second editor', async ({ page, request, browser, baseURL }) => {
  test.setTimeout(120_000);
  // A panic in the page (a disposed signal, say) fails the test.
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  createPerson('rita@example.com', 'Rita Backup', 'editor');
  const directory = await (await request.get('/api/v1/people')).json();
  const id = (email: string) => directory.people.find((p: { email: string }) => p.email === email).id;
  const created = await request.post('/api/v1/orchestrations', {
    data: {
      name: 'Cash forecast', purpose: "Treasury knows the week's cash position every Monday", tier: 1,
      owner_id: id('admin@example.com'), backup_owner_id: id('rita@example.com'),
      failure_mode: 'Treasury decides blind', fallback: 'Build the forecast by hand from the bank portal',
    },
  });
  expect(created.status()).toBe(201);

  // No runbook yet: the orchestration says so, and offers to write one.
  await hydrated(page, '/orchestrations/cash-forecast');
  const card = page.getByRole('region', { name: 'Runbook' });
  await expect(card).toContainText('No runbook has been written yet.');
  await expect(page.locator('.flags')).toContainText('No runbook');
  await card.getByRole('link', { name: 'Write the runbook' }).click();

  // The editor starts from the template, filled from the product card.
  await expect(page).toHaveURL(/\/orchestrations\/cash-forecast\/runbook\/edit$/);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  const source = page.getByLabel('Markdown');
  const preview = page.getByRole('region', { name: 'Preview' });
  await expect(source).toHaveValue(/^# Cash forecast: runbook/);
  await expect(source).toHaveValue(/Build the forecast by hand from the bank portal/);
  await expect(preview.getByRole('heading', { name: 'When a run is missed' })).toBeVisible();
  // The preview follows the typing.
  await source.fill(FIRST);
  await expect(preview.getByRole('heading', { name: 'When a run is missed' })).toHaveCount(0);
  await expect(preview.locator('strong')).toHaveText('forecast job');
  await source.press('End');
  await source.pressSequentially('\n<script>alert(1)</script>\n');
  await expect(preview).toContainText('Treasury desk');
  await expect(preview.locator('script')).toHaveCount(0);
  await page.screenshot({ path: 'screenshots/desktop-runbook-editor.png', fullPage: true });
  await source.fill(FIRST);
  await page.getByLabel('What changed (optional)').fill('First version');
  await page.getByRole('button', { name: 'Save' }).click();

  // Saved as revision 1, never verified yet.
  await expect(page).toHaveURL(/\/orchestrations\/cash-forecast\/runbook$/);
  await expect(page.locator('.runbook-status')).toContainText('Never verified');
  await expect(page.locator('.runbook-status')).toContainText('Revision 1, saved by Avery Admin');
  await expect(page.locator('article.runbook h2#failed')).toHaveText('When a run fails');

  // A second save.
  await page.getByRole('link', { name: 'Edit' }).click();
  await expect(page).toHaveURL(/\/runbook\/edit$/);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await expect(page.getByText('Editing revision 1.')).toBeVisible();
  await page.getByLabel('Markdown').fill(FIRST.replace('- Treasury desk', '- Treasury desk\n- Call the bank if it fails twice.'));
  await page.getByLabel('What changed (optional)').fill('Escalation');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(/\/runbook$/);
  await expect(page.locator('.runbook-status')).toContainText('Revision 2');

  // Verified by its owner.
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await page.getByRole('button', { name: 'I checked it is still true: mark it verified' }).click();
  await expect(page.locator('.runbook-badge')).toHaveText('Verified');
  await expect(page.locator('.runbook-status')).toContainText('Verified by Avery Admin on');
  await page.screenshot({ path: 'screenshots/desktop-runbook.png', fullPage: true });

  // The two revisions compared.
  await page.getByRole('link', { name: 'Revisions' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Revisions' })).toBeVisible();
  const rows = page.locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText('Escalation');
  await expect(rows.last()).toContainText('First version');
  await page.getByRole('button', { name: 'Compare the chosen revisions' }).click();
  await expect(page).toHaveURL(/\/runbook\/compare\?(from=1&to=2|to=2&from=1)$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Revision 1 → revision 2');
  await expect(page.getByText('1 line added, 0 removed.')).toBeVisible();
  const added = page.locator('tr.diff__line--added');
  await expect(added).toHaveCount(1);
  await expect(added).toContainText('Call the bank if it fails twice.');
  await expect(added.locator('.diff__mark')).toHaveText('+');
  await page.screenshot({ path: 'screenshots/desktop-runbook-diff.png', fullPage: true });

  // Revision 1 restored as revision 3; revision 2 stays in the history.
  await hydrated(page, '/orchestrations/cash-forecast/runbook/revisions/1');
  await page.getByRole('button', { name: 'Restore revision 1 as the current text' }).click();
  await expect(page).toHaveURL(/\/runbook$/);
  await expect(page.locator('.runbook-status')).toContainText('Revision 3');
  await expect(page.locator('article.runbook')).not.toContainText('Call the bank');
  await expect(page.locator('.runbook-status')).toContainText('Edited since it was verified.');

  // The owner opens the editor; meanwhile the backup owner saves.
  await hydrated(page, '/orchestrations/cash-forecast/runbook/edit');
  await expect(page.getByText('Editing revision 3.')).toBeVisible();
  const other = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const rita = await other.newPage();
  await rita.goto('/sign-in');
  await signIn(rita, 'rita@example.com');
  await expectSignedInAs(rita, 'Rita Backup');
  await hydrated(rita, '/orchestrations/cash-forecast/runbook/edit');
  await rita.getByLabel('Markdown').fill(FIRST.replace('from the scheduler', 'from the scheduler, once'));
  await rita.getByLabel('What changed (optional)').fill('Only once');
  await rita.getByRole('button', { name: 'Save' }).click();
  await expect(rita).toHaveURL(/\/runbook$/);
  await expect(rita.locator('.runbook-status')).toContainText('Revision 4, saved by Rita Backup');
  await other.close();

  // The owner's save meets hers: nothing saved, both texts shown, nothing lost.
  const mine = FIRST.replace('- Treasury desk', '- Treasury desk (ext. 4410)');
  await page.getByLabel('Markdown').fill(mine);
  await page.getByRole('button', { name: 'Save' }).click();
  const conflict = page.getByRole('alert');
  await expect(conflict).toContainText('Rita Backup saved revision 4 while you were editing');
  await expect(conflict).toContainText('with the note “Only once”');
  await expect(conflict.locator('tr.diff__line--removed')).toHaveCount(2);
  await expect(conflict.locator('tr.diff__line--added')).toHaveCount(2);
  await expect(page.getByLabel('Markdown')).toHaveValue(mine);
  await page.screenshot({ path: 'screenshots/desktop-runbook-conflict.png', fullPage: true });
  // Saving again is a choice to put mine on top of hers.
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(/\/runbook$/);
  await expect(page.locator('.runbook-status')).toContainText('Revision 5');
  await expect(page.locator('article.runbook')).toContainText('Treasury desk (ext. 4410)');
  await hydrated(page, '/orchestrations/cash-forecast/runbook/revisions');
  await expect(page.locator('tbody tr')).toHaveCount(5);
  await expect(page.locator('tbody tr').nth(1)).toContainText('Rita Backup');

  // An alert's link lands on its section; the file downloads.
  await hydrated(page, '/orchestrations/cash-forecast/runbook#failed');
  await expect(page.locator('h2#failed')).toBeInViewport();
  const file = await request.get('/api/v1/orchestrations/cash-forecast/runbook.md');
  expect(file.headers()['content-disposition']).toBe('attachment; filename="cash-forecast-runbook-r5.md"');
  expect(await file.text()).toBe(mine);

  // Printed: no navigation, buttons or breadcrumb; the text stays.
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('.topbar')).toBeHidden();
  await expect(page.getByRole('link', { name: 'Edit' })).toBeHidden();
  await expect(page.locator('article.runbook')).toBeVisible();
  await page.screenshot({ path: 'screenshots/print-runbook.png', fullPage: true });
  await page.emulateMedia({ media: 'screen' });

  // At phone width the runbook and the comparison fit.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ['/orchestrations/cash-forecast/runbook', '/orchestrations/cash-forecast/runbook/compare?from=3&to=5']) {
    await hydrated(page, path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, path).toBeLessThanOrEqual(0);
  }
  await page.screenshot({ path: 'screenshots/phone-runbook-diff.png', fullPage: true });
  expect(errors).toEqual([]);
});
