// The app shell: it renders on the server, hydrates, and its controls work
// without a reload, at desktop and phone widths, in light and dark, with no
// console errors and no serious accessibility violations.
import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';

const shots = 'screenshots';
mkdirSync(shots, { recursive: true });

const sections = ['Dashboard', 'Inventory', 'Orchestrations', 'Reviews', 'Deliveries', 'Incidents', 'Admin'];

/** Collects console errors and uncaught exceptions for the whole test. */
function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(`${err.name}: ${err.message}`));
  return errors;
}

/** Marks the window so a full reload would be noticed. */
async function markWindow(page: Page) {
  await page.evaluate(() => ((window as any).__batonNoReload = true));
}

async function stillSameWindow(page: Page) {
  expect(await page.evaluate(() => (window as any).__batonNoReload === true)).toBe(true);
}

async function expectNoSeriousViolations(page: Page, label: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${label}: ${v.id}: ${v.help} (${v.nodes.length} nodes)`)).toEqual([]);
}

test('the dashboard renders on the server with the full navigation', async ({ page, request }) => {
  const html = await (await request.get('/')).text();
  expect(html).toContain('<h1>Dashboard</h1>');
  expect(html).toContain('/pkg/baton.js');

  const errors = watchConsole(page);
  await page.goto('/');
  await expect(page).toHaveTitle('Dashboard · Baton');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const name of sections) {
    await expect(nav.getByRole('link', { name })).toBeVisible();
  }
  await expect(nav.getByRole('link', { name: 'Dashboard' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('heading', { name: /Reviews due and overdue/ })).toBeVisible();
  await page.screenshot({ path: `${shots}/desktop-dashboard-light.png`, fullPage: true });
  expect(errors).toEqual([]);
});

test('the theme switch works without a reload and is remembered', async ({ page, context }) => {
  const errors = watchConsole(page);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  await markWindow(page);
  const html = page.locator('html');
  const toggle = page.getByRole('button', { name: /Theme:/ });
  await expect(toggle).toContainText('Auto');
  await expect(html).not.toHaveAttribute('data-theme', /.*/);

  // The first clicks may land before the wasm has hydrated: retry until one takes.
  await expect(async () => {
    await toggle.click();
    await expect(html).toHaveAttribute('data-theme', 'light', { timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await expect(toggle).toContainText('Light');

  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(toggle).toContainText('Dark');
  await stillSameWindow(page);
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).toBe('rgb(15, 20, 27)');

  const cookies = await context.cookies();
  expect(cookies.find((c) => c.name === 'baton_theme')?.value).toBe('dark');

  // The server renders the remembered theme: no flash of the wrong colours.
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(toggle).toContainText('Dark');
  await page.screenshot({ path: `${shots}/desktop-dashboard-dark.png`, fullPage: true });
  await expectNoSeriousViolations(page, 'dark');
  expect(errors).toEqual([]);
});

test('at phone width the navigation opens from the menu button and navigates in place', async ({ page }) => {
  const errors = watchConsole(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/');
  await markWindow(page);
  const menu = page.getByRole('button', { name: 'Menu' });
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav).toBeHidden();
  await page.screenshot({ path: `${shots}/phone-dashboard.png`, fullPage: true });

  await expect(async () => {
    await menu.click();
    await expect(nav).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await expect(page.getByRole('button', { name: 'Close menu' })).toHaveAttribute('aria-expanded', 'true');
  await page.screenshot({ path: `${shots}/phone-menu-open.png`, fullPage: true });
  await expectNoSeriousViolations(page, 'phone menu');

  await nav.getByRole('link', { name: 'Inventory' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Inventory' })).toBeVisible();
  await expect(page).toHaveURL(/\/inventory$/);
  await expect(page).toHaveTitle('Inventory · Baton');
  await expect(nav).toBeHidden();
  await stillSameWindow(page);

  // Escape closes an open menu too.
  await page.getByRole('button', { name: 'Menu' }).click();
  await expect(nav).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(nav).toBeHidden();
  expect(errors).toEqual([]);
});

test('the shell is keyboard navigable and passes an accessibility scan', async ({ page }) => {
  const errors = watchConsole(page);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/orchestrations');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expectNoSeriousViolations(page, 'light desktop');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expectNoSeriousViolations(page, 'system dark');
  await page.screenshot({ path: `${shots}/desktop-orchestrations-system-dark.png`, fullPage: true });
  expect(errors).toEqual([]);
});

test('an unknown address gets a 404 page that says what happened', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await expect(page.getByText('/no/such/page')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Go to the dashboard' })).toBeVisible();
  await page.screenshot({ path: `${shots}/desktop-not-found.png`, fullPage: true });
  await expectNoSeriousViolations(page, '404');
});
