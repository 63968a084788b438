// Controls only for those who may use them: a viewer, and an editor who
// owns another orchestration, walk every page of an orchestration they may
// not change. No control the server would refuse is shown to them; a
// change screen typed in by hand says why not and who can help; nothing
// reads as a raw server error.
import { test, expect, type Browser, type Page } from '@playwright/test';
import { PASSWORD } from './accounts';

test.describe.configure({ mode: 'serial' });

const nobody = { cookies: [], origins: [] };

/** Controls a person may use on any page: filters, paging, their own account. */
const HARMLESS = /^(Apply|Show|Filter|Everything|Newer|Older|Previous|Next|Copy.*|Compare the chosen revisions)$/;

type Made = { orchestration: string; automation: number; incident: number; people: Record<string, number> };

async function seed(page: Page): Promise<Made> {
  const request = page.request;
  const people: Record<string, number> = {};
  for (const [email, name, role] of [
    ['roles-reader@example.com', 'Rhea Reader', 'viewer'],
    ['roles-owner@example.com', 'Olga Owner', 'editor'],
    ['roles-other@example.com', 'Eddie Elsewhere', 'editor'],
  ]) {
    const res = await request.post('/api/v1/people', { data: { email, display_name: name, role, password: PASSWORD } });
    expect(res.status(), await res.text()).toBe(201);
    people[email] = (await res.json()).id;
  }
  const theirs = await request.post('/api/v1/orchestrations', {
    data: { name: 'Quarter close', owner_id: people['roles-owner@example.com'], failure_mode: 'The books stay open' },
  });
  expect(theirs.status()).toBe(201);
  const own = await request.post('/api/v1/orchestrations', { data: { name: 'Eddie flow', owner_id: people['roles-other@example.com'] } });
  expect(own.status()).toBe(201);
  const automation = await (
    await request.post('/api/v1/automations', {
      data: { tool: 'cron', external_id: 'qclose.sh', name: 'Quarter ledger', orchestration_id: (await theirs.json()).id },
    })
  ).json();
  const runbook = await request.put('/api/v1/orchestrations/quarter-close/runbook', {
    data: { body: '# Quarter close\n\n## Failed\n\nRun it again by hand.', note: '', base_revision: 0 },
  });
  expect(runbook.status(), await runbook.text()).toBeLessThan(300);
  expect((await request.get(`/ping/${automation.ping.key}/fail`)).status()).toBe(200);
  let incident = 0;
  await expect
    .poll(async () => {
      const open = await (await request.get('/api/v1/incidents?state=open')).json();
      incident = open.incidents.find((i: { automation: string }) => i.automation === 'Quarter ledger')?.id ?? 0;
      return incident;
    }, { timeout: 20_000 })
    .toBeGreaterThan(0);
  return { orchestration: 'quarter-close', automation: automation.id, incident, people };
}

async function signedIn(browser: Browser, baseURL: string, email: string) {
  const context = await browser.newContext({ baseURL, storageState: nobody, extraHTTPHeaders: { Origin: baseURL } });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('.account__name')).toBeVisible();
  return { context, page };
}

/** The buttons and change links a person sees in the page's main part. */
async function controls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const shown = (e: Element) => (e as HTMLElement).offsetWidth > 0 || (e as HTMLElement).offsetHeight > 0;
    const found: string[] = [];
    for (const b of Array.from(document.querySelectorAll('main button, main input[type=submit]'))) {
      if (shown(b)) found.push((b.getAttribute('aria-label') ?? b.textContent ?? '').trim());
    }
    for (const a of Array.from(document.querySelectorAll('main a[href]'))) {
      const href = a.getAttribute('href') ?? '';
      if (shown(a) && /\/(new|edit|import)(\?|$)|^\/admin/.test(href)) found.push(`link to ${href}`);
    }
    return found;
  });
}

async function visit(page: Page, path: string) {
  const answer = await page.goto(path);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await expect(page.locator('body'), path).not.toContainText('server function');
  return answer?.status();
}

test('a viewer and the owner of another orchestration see only the controls they may use', async ({ page, browser, baseURL }) => {
  test.setTimeout(120_000);
  const made = await seed(page);
  const o = `/orchestrations/${made.orchestration}`;
  const pages = [
    '/', '/inventory', '/orchestrations', o, `${o}/runbook`, `${o}/runbook/revisions`,
    `/automations/${made.automation}`, `/incidents/${made.incident}`, '/incidents', '/deliveries', '/reviews', '/leverage',
  ];
  try {
    for (const [email, role] of [['roles-reader@example.com', 'viewer'], ['roles-other@example.com', 'other owner']] as const) {
      const { context, page: theirs } = await signedIn(browser, baseURL!, email);
      const nav = theirs.getByRole('navigation', { name: 'Main' });
      await expect(nav.getByRole('link', { name: 'Admin' }), role).toHaveCount(0);
      for (const path of pages) {
        expect(await visit(theirs, path), `${role} ${path}`).toBeLessThan(400);
        const shown = (await controls(theirs)).filter((c) => !HARMLESS.test(c));
        // An editor may start something new of their own; nothing else.
        const allowed = role === 'viewer' ? [] : ['link to /orchestrations/new', 'link to /automations/new'];
        expect(shown.filter((c) => !allowed.includes(c)), `${role} on ${path}`).toEqual([]);
        if (path === o) {
          await theirs.screenshot({ path: `screenshots/desktop-${role.replace(' ', '-')}-orchestration.png`, fullPage: true });
        }
      }
      // Change screens typed in by hand: why not, and who can help.
      for (const path of [`${o}/edit`, `${o}/runbook/edit`, `/automations/${made.automation}/edit`]) {
        expect(await visit(theirs, path), `${role} ${path}`).toBe(403);
        const refusal = theirs.locator('.not-allowed');
        await expect(refusal, path).toContainText('Not open to you');
        await expect(refusal, path).toContainText('Ask an administrator: Avery Admin.');
        if (role === 'viewer') {
          await expect(refusal, path).toContainText('You have the viewer role, which changes nothing');
        } else if (!path.includes('runbook')) {
          await expect(refusal, path).toContainText('ask Olga Owner (its owner)');
        }
        await expect(theirs.locator('main').getByRole('button'), path).toHaveCount(0);
      }
      await theirs.screenshot({ path: `screenshots/desktop-${role.replace(' ', '-')}-refused-edit.png`, fullPage: true });
      if (role === 'viewer') {
        // Creating: refused by role, with the words to ask for it.
        for (const path of ['/orchestrations/new', '/automations/new']) {
          expect(await visit(theirs, path), path).toBe(403);
          await expect(theirs.locator('.not-allowed'), path).toContainText('viewer role');
        }
      }
      // Importing is for administrators.
      expect(await visit(theirs, '/inventory/import')).toBe(403);
      await expect(theirs.locator('.not-allowed')).toContainText('Only an administrator may import the inventory.');
      await expect(theirs.getByRole('button', { name: 'Preview' })).toHaveCount(0);
      await context.close();
    }
  } finally {
    await page.request.delete(`/api/v1/automations/${made.automation}`);
    for (const slug of [made.orchestration, 'eddie-flow']) {
      await page.request.delete(`/api/v1/orchestrations/${slug}?confirm=${slug}`);
    }
  }
});
