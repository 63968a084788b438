// People for the browser tests: the password they all share, and `baton
// user create` run against the test database as an administrator would.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';

export const PASSWORD = 'correct horse battery staple';

export function createPerson(email: string, name: string, role: 'viewer' | 'editor' | 'admin') {
  const dataDir = process.env.BATON_E2E_DATA;
  if (!dataDir) throw new Error('BATON_E2E_DATA is not set: run through playwright.config.ts');
  execFileSync(
    '../target/debug/baton',
    ['user', 'create', '--email', email, '--name', name, '--role', role],
    {
      input: `${PASSWORD}\n`,
      env: { ...process.env, BATON_DATABASE_URL: `sqlite://${join(dataDir, 'baton.db')}`, BATON_LOG: 'warn' },
    },
  );
}

export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function expectSignedInAs(page: Page, name: string) {
  await expect(page.locator('.account__name')).toContainText(name);
}
