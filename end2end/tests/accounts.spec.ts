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
    // No Admin in the navigation; typed in, the page says why not and who
    // can help, and no raw error shows.
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' })).toHaveCount(0);
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' })).toBeVisible();
    for (const path of ['/admin', '/admin/people', '/admin/channels', '/admin/sources', '/admin/audit']) {
      const answer = await page.goto(path);
      expect(answer?.status(), path).toBe(403);
      await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
      const refusal = page.locator('.not-allowed');
      await expect(refusal, path).toContainText('Not open to you');
      await expect(refusal, path).toContainText(/Only (administrators|an administrator) /);
      await expect(refusal, path).toContainText('Ask an administrator: Avery Admin.');
      await expect(page.locator('body'), path).not.toContainText('server function');
      await expect(page.getByRole('button', { name: /Add|Create|Save/ }), path).toHaveCount(0);
      if (path === '/admin/people') {
        await page.screenshot({ path: 'screenshots/desktop-viewer-admin.png', fullPage: true });
      }
    }

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
    await expect(page.getByRole('link', { name: 'Import', exact: true })).toHaveCount(0);

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

test('an API token is made on the account screen, shown once, used, and revoked', async ({ page, playwright, baseURL }) => {
  await hydrated(page, '/');
  await page.locator('.account__name').click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  await expect(page.getByText('You have no API tokens.')).toBeVisible();
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });

  // A nameless token is refused by its field; then one is made.
  await page.getByRole('button', { name: 'Make a token' }).click();
  await expect(page.getByLabel('What will use it')).toBeFocused();
  await page.getByLabel('What will use it').fill('nightly export');
  await page.getByLabel('It may').selectOption('read');
  await page.getByRole('button', { name: 'Make a token' }).click();
  const shown = page.locator('.made-token__value');
  await expect(shown).toHaveText(/^baton_[0-9a-f]{64}$/);
  const token = (await shown.textContent())!;
  await expect(page.getByRole('row', { name: /nightly export/ })).toContainText('Read only');
  await expect(page.getByRole('row', { name: /nightly export/ })).toContainText('never');
  await page.screenshot({ path: 'screenshots/desktop-account-token.png', fullPage: true });

  // The token works for a script, and only for reading.
  const script = await playwright.request.newContext({ baseURL });
  const auth = { Authorization: `Bearer ${token}` };
  expect((await script.get('/api/v1/orchestrations', { headers: auth })).status()).toBe(200);
  expect((await script.post('/api/v1/orchestrations', { headers: auth, data: { name: 'By script' } })).status()).toBe(403);

  // Shown once: a reload lists it without the token.
  await hydrated(page, '/account');
  await expect(page.locator('.made-token__value')).toHaveCount(0);
  expect(await page.content()).not.toContain(token);
  await page.getByRole('button', { name: 'Revoke nightly export' }).click();
  await expect(page.getByRole('row', { name: /nightly export/ })).toContainText('Revoked');
  expect((await script.get('/api/v1/orchestrations', { headers: auth })).status()).toBe(401);
  await script.dispose();
});

test('the admin reads the audit log, filtered to failed sign-ins', async ({ page }) => {
  await hydrated(page, '/admin');
  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page).toHaveURL(/\/admin\/audit$/);
  const rows = page.locator('table.audit tbody tr');
  await expect(rows.first()).toBeVisible();
  // What the earlier tests did is there: the viewer's orchestration removed, tokens, sign-ins.
  await expect(page.getByRole('cell', { name: 'orchestration.deleted' }).first()).toBeVisible();
  await expect(page.getByRole('cell', { name: 'token.revoked' }).first()).toBeVisible();
  await page.screenshot({ path: 'screenshots/desktop-audit-log.png', fullPage: true });

  await page.getByLabel('What').selectOption('user.sign_in_failed');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/action=user\.sign_in_failed/);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('ada@example.com');
  await expect(rows.first()).toContainText('from 127.0.0.1');
});

test('the admin adds a person, puts them in a team, changes their role and deactivates them', async ({ page }) => {
  await hydrated(page, '/admin');
  await page.getByRole('link', { name: 'People and teams' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'People and teams' })).toBeVisible();
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });

  // A short password is refused by its field; then they are added.
  await page.getByLabel('Email').fill('ida@example.com');
  await page.getByLabel('Name', { exact: true }).fill('Ida Editor');
  await page.getByLabel('Role', { exact: true }).selectOption('editor');
  await page.getByLabel(/First password/).fill('short but');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.locator('#person-password-message')).toContainText('at least 12');
  await page.getByLabel(/First password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const ida = page.getByRole('row', { name: /Ida Editor/ });
  await expect(ida).toContainText('ida@example.com');
  await expect(ida.getByRole('combobox')).toHaveValue('editor');
  await expect(page.getByLabel('Email')).toHaveValue('');

  await page.getByLabel('Team name').fill('Finance Ops');
  await page.getByRole('button', { name: 'Add the team' }).click();
  const team = page.getByRole('region', { name: 'Team Finance Ops' });
  await expect(team).toContainText('No members yet.');
  await team.getByLabel('Add').selectOption({ label: 'Ida Editor' });
  await team.getByRole('button', { name: 'Add to Finance Ops' }).click();
  await expect(team.getByRole('button', { name: 'Remove Ida Editor from Finance Ops' })).toBeVisible();
  await expect(ida).toContainText('Finance Ops');

  await ida.getByRole('combobox').selectOption('viewer');
  await page.getByRole('button', { name: 'Save the role of Ida Editor' }).click();
  await expect(ida.getByRole('combobox')).toHaveValue('viewer');

  // The last admin cannot deactivate themselves.
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Deactivate Avery Admin' }).click();
  await expect(page.getByRole('alert')).toContainText('cannot deactivate yourself');

  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Deactivate Ida Editor' }).click();
  await expect(ida).toContainText('Deactivated');
  await expect(page.getByRole('button', { name: 'Reactivate Ida Editor' })).toBeVisible();
  await page.screenshot({ path: 'screenshots/desktop-people.png', fullPage: true });
});

test('an automation shows its ping URLs, and its owner rotates the key', async ({ page, request }) => {
  const created = await request.post('/api/v1/automations', {
    data: { tool: 'cron', external_id: 'nightly-backup.sh', name: 'Nightly backup' },
  });
  expect(created.status()).toBe(201);
  const automation = await created.json();
  const key: string = automation.ping.key;

  await hydrated(page, `/automations/${automation.id}`);
  const card = page.getByRole('region', { name: 'Ping URLs' });
  await expect(card).toContainText(`/ping/${key}/start`);
  await expect(card).toContainText(`/ping/${key}/$?`);
  await page.screenshot({ path: 'screenshots/desktop-ping-urls.png', fullPage: true });

  page.once('dialog', (dialog) => dialog.accept());
  await card.getByRole('button', { name: 'Rotate the key' }).click();
  await expect(card).not.toContainText(key);
  const rotated = await (await request.get(`/api/v1/automations/${automation.id}`)).json();
  expect(rotated.ping.key).not.toBe(key);
  await expect(card).toContainText(rotated.ping.key);

  // Leave the inventory as it was found.
  expect((await request.delete(`/api/v1/automations/${automation.id}`)).status()).toBe(204);
});
