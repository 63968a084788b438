// The first run: nobody has an account, so every address leads to the
// setup screen; its mistakes are shown by their fields; the administrator
// it creates is signed in. Their session is kept for the other tests.
import { test as setup, expect } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { PASSWORD, expectSignedInAs } from './accounts';

setup('the first run creates the administrator through the setup screen', async ({ page }) => {
  await page.goto('/orchestrations');
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Set up Baton' })).toBeVisible();
  await expect(page.locator('#main-nav')).toHaveCount(0);

  await page.getByLabel('Email').fill('admin@example.com');
  await page.getByLabel('Your name').fill('Avery Admin');
  await page.getByLabel('Password (12 characters or more)').fill('short');
  await page.getByLabel('The password again').fill('short');
  await page.getByRole('button', { name: 'Create the administrator' }).click();
  await expect(page.locator('#field-password-message')).toContainText('at least 12');
  await expect(page.getByLabel('Email')).toHaveValue('admin@example.com');
  await expect(page.getByLabel('Your name')).toHaveValue('Avery Admin');
  await page.screenshot({ path: 'screenshots/desktop-setup-errors.png', fullPage: true });

  await page.getByLabel('Password (12 characters or more)').fill(PASSWORD);
  await page.getByLabel('The password again').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create the administrator' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expectSignedInAs(page, 'Avery Admin');
  await expect(page.locator('#main-nav')).toBeVisible();

  // Setup happens once.
  await page.goto('/setup');
  await expect(page).toHaveURL(/\/$/);

  mkdirSync('.auth', { recursive: true });
  await page.context().storageState({ path: '.auth/admin.json' });
});
