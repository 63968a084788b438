// Browser tests run against a real Baton: the debug build that
// `cargo xtask test` has just made, on a fresh SQLite database. The
// `first-run` project sets Baton up through its setup screen and keeps the
// administrator's session for every other test; `filled` runs last.
import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = Number(process.env.BATON_E2E_PORT ?? 3917);
const baseURL = `http://127.0.0.1:${port}`;
const dataDir = process.env.BATON_E2E_DATA ?? mkdtempSync(join(tmpdir(), 'baton-e2e-'));
process.env.BATON_E2E_DATA = dataDir;

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  timeout: 30_000,
  projects: [
    { name: 'first-run', testMatch: /first-run\.setup\.ts/ },
    {
      name: 'screens',
      dependencies: ['first-run'],
      testIgnore: [/first-run\.setup\.ts/, /(live|history|runbooks|reviews|truth|hostile)\.spec\.ts/],
      use: { storageState: '.auth/admin.json' },
    },
    // These fill the catalog with orchestrations, runs and incidents: they
    // run after the screens that start from an empty one.
    {
      name: 'filled',
      dependencies: ['screens'],
      testMatch: /(live|history|runbooks|reviews|truth)\.spec\.ts/,
      use: { storageState: '.auth/admin.json' },
    },
    // Hostile names everywhere: last, so no other test meets them.
    {
      name: 'hostile',
      dependencies: ['filled'],
      testMatch: /hostile\.spec\.ts/,
      use: { storageState: '.auth/admin.json' },
    },
  ],
  use: {
    baseURL,
    // Requests made by the tests themselves (seeding through the API) say
    // where they come from, as a page of Baton's would.
    extraHTTPHeaders: { Origin: baseURL },
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.BATON_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: '../target/debug/baton serve',
    cwd: '.',
    url: `${baseURL}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      BATON_ADDR: `127.0.0.1:${port}`,
      BATON_DATABASE_URL: `sqlite://${join(dataDir, 'baton.db')}`,
      BATON_SITE_ROOT: '../target/site',
      BATON_LOG: 'warn',
      // Incidents are taken in and alerts sent within a second.
      BATON_INCIDENT_LOOK_SECONDS: '1',
      // Recovery notices at once (the cooldown has its own API tests).
      BATON_ALERT_COOLDOWN_MINUTES: '0',
      // The tests' alert receivers listen on 127.0.0.1.
      BATON_ALLOW_PRIVATE_TARGETS: 'true',
    },
  },
});
