// People at the door: signing in (and failing to), signing out, and what a
// viewer sees: no edit controls, and a forged change refused with nothing
// written, whether sent from their own session or from another site.
import { test, expect, type Page } from '@playwright/test';
import { PASSWORD, createPerson, expectSignedInAs, signIn } from './accounts';

test.describe.configure({ mode: 'serial' });

const nobody = { cookies: [], origins: [] };

async function hydrated(page: Page, path: string) {
  await page.goto(path);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
}

test.describe('signing in and out', () => {
  test.use({ storageState: nobody });

  test('a person fails a sign-in, signs in where they were going, and signs out', async ({ page }) => {
    createPerson('ada@example.com', 'Ada Lovelace', 'editor');
    await page.goto('/inventory?q=billing');
    await expect(page).toHaveURL(/\/sign-in\?next=/);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Baton' })).toBeVisible();
    await expect(page.locator('#main-nav')).toHaveCount(0);

    await signIn(page, 'ada@example.com', 'not her password');
    await expect(page.getByRole('alert')).toContainText('do not match an active account');
    await expect(page).toHaveURL(/failed=1/);
    await page.screenshot({ path: 'screenshots/desktop-sign-in-failed.png', fullPage: true });

    await signIn(page, 'ada@example.com');
    await expect(page).toHaveURL(/\/inventory\?q=billing$/);
    await expectSignedInAs(page, 'Ada Lovelace');
    await expect(page.locator('.account__role')).toHaveText('editor');
    await page.screenshot({ path: 'screenshots/desktop-signed-in.png', fullPage: true });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/sign-in\?signed_out=1$/);
    await expect(page.getByRole('alert')).toContainText('You are signed out.');
    await page.goto('/inventory');
    await expect(page).toHaveURL(/\/sign-in\?next=/);
  });
});

test.describe('a viewer', () => {
  test.use({ storageState: nobody });

  test('sees no edit controls, and forged changes are refused with nothing written', async ({ page, browser, baseURL }) => {
    // The administrator's session (the project's storage) seeds and checks.
    const admin = await browser.newContext({ storageState: '.auth/admin.json', baseURL, extraHTTPHeaders: { Origin: baseURL! } });
    const created = await admin.request.post('/api/v1/orchestrations', {
      data: { name: 'Month-end close', purpose: 'Close the books' },
    });
    expect(created.status()).toBe(201);
    const before = await (await admin.request.get('/api/v1/orchestrations/month-end-close')).json();

    createPerson('vera@example.com', 'Vera Viewer', 'viewer');
    await page.goto('/sign-in');
    await signIn(page, 'vera@example.com');
    await expectSignedInAs(page, 'Vera Viewer');

    await hydrated(page, '/orchestrations');
    await expect(page.getByRole('link', { name: 'Month-end close' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Register an orchestration' })).toHaveCount(0);
    await hydrated(page, '/orchestrations/month-end-close');
    await expect(page.getByRole('heading', { level: 1, name: 'Month-end close' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Edit' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Add an automation' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Add dependency' })).toHaveCount(0);
    await page.screenshot({ path: 'screenshots/desktop-viewer-orchestration.png', fullPage: true });
    await hydrated(page, '/inventory');
    await expect(page.getByRole('link', { name: 'Add an automation' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Import CSV' })).toHaveCount(0);

    // The edit screen, typed in by hand, says why not.
    await page.goto('/orchestrations/month-end-close/edit');
    await expect(page.getByText('viewer role, which changes nothing')).toBeVisible();

    // A change forged from the viewer's own session: refused by role.
    const forged = await page.evaluate(async () => {
      const res = await fetch('/api/v1/orchestrations/month-end-close', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ version: 1, name: 'Hijacked' }),
      });
      return { status: res.status, body: await res.json() };
    });
    expect(forged.status).toBe(403);
    expect(forged.body.error).toContain('viewer role');
    const rpc = await page.evaluate(async () => {
      const res = await fetch('/rpc/orchestrations/delete', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'id=1&confirm=month-end-close',
      });
      return res.status;
    });
    expect(rpc).toBe(403);

    // A form on another site posting into the viewer's session: refused.
    const elsewhere = await page.context().newPage();
    await elsewhere.setContent(`
      <form method="post" action="${baseURL}/api/v1/orchestrations/month-end-close/retire">
        <input name="version" value="1"><button>Go</button>
      </form>`);
    const [answer] = await Promise.all([
      elsewhere.waitForResponse((r) => r.url().includes('/retire')),
      elsewhere.getByRole('button', { name: 'Go' }).click(),
    ]);
    expect([401, 403]).toContain(answer.status());

    const after = await (await admin.request.get('/api/v1/orchestrations/month-end-close')).json();
    expect(after).toEqual(before);
    // Leave the catalog as it was found, for the tests that start empty.
    const removed = await admin.request.delete('/api/v1/orchestrations/month-end-close?confirm=month-end-close');
    expect(removed.status()).toBe(204);
    await admin.close();
  });
});
