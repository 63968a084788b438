// Stored text is shown as text, never run: values built to break out of
// the page's <title>, a <textarea>, an attribute in either quote, or to be
// a javascript: link, an event handler or raw HTML in a runbook, are put
// in through the API, the forms, a CSV import, a ping and signed GitHub
// and generic webhooks; then an admin and a viewer open every page that
// shows them. On each page no script ran (the window flag stays unset and
// no dialog opened, before and after hydration), no element came from the
// text, the title and form fields hold the text exactly, and it reads as
// text. Checks are soft: one run lists every page that fails, and why.
import { test, expect, type APIRequestContext, type APIResponse, type Browser, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PASSWORD, expectSignedInAs, signIn } from './accounts';
import {
  FLAG,
  checkScreen,
  csv,
  githubSignature,
  hostile,
  injected,
  payload,
  standardWebhookHeaders,
  refusedScripts,
  watchPage,
  type Screen,
} from './hostile';

test.describe.configure({ mode: 'serial' });

const nobody = { cookies: [], origins: [] };
const inAWeek = (hours = 0) => new Date(Date.now() + (7 * 24 + hours) * 3600_000).toISOString();
const inAMonth = () => new Date(Date.now() + 30 * 24 * 3600_000).toISOString().slice(0, 10);

// Everything stored, as it was sent: the pages are checked against it.
const text = {
  team: hostile('tm', ['double', 'svg'], 80),
  owner: hostile('ow', ['title', 'double'], 120),
  viewer: hostile('vw', ['single', 'svg'], 120),
  o1: {
    name: hostile('o1', ['title', 'double'], 120),
    purpose: hostile('o1p', ['img', 'single', 'textarea']),
    inputs: hostile('o1i', ['iframe', 'anchor']),
    outputs: hostile('o1u', ['markdownLink', 'svg']),
    failure_mode: hostile('o1f', ['textarea', 'img']),
    fallback: hostile('o1b', ['double', 'single', 'title']),
    tags: [payload.svg('t1'), payload.double('t2')],
    link: { label: hostile('o1l', ['single', 'svg'], 80), url: `https://example.com/?q="><svg/onload=alert('o1h')>` },
    pause: hostile('o1z', ['textarea', 'double'], 500),
  },
  o2: { name: hostile('o2', ['single', 'img'], 120) },
  o3: {
    name: hostile('o3', ['title', 'single'], 120),
    purpose: hostile('o3p', ['double', 'svg']),
    failure_mode: hostile('o3f', ['textarea', 'iframe']),
    link: { label: hostile('o3l', ['double'], 80), url: `https://example.com/'><svg/onload=alert('o3h')>` },
  },
  a1: {
    name: hostile('a1', ['title', 'single'], 120),
    external_id: hostile('a1x', ['double']),
    description: hostile('a1d', ['textarea', 'img']),
    failure_mode: hostile('a1f', ['double', 'svg', 'textarea']),
    url: `https://example.com/'><svg/onload=alert('a1h')>`,
    log: [hostile('a1g', ['textarea']), hostile('a1g2', ['img', 'svg']), hostile('a1g3', ['double', 'single'])].join('\n'),
    pause: hostile('a1z', ['title', 'single'], 500),
  },
  csv: {
    name: hostile('c1', ['title', 'double'], 120),
    external_id: hostile('c1x', ['single']),
    description: hostile('c1d', ['textarea', 'svg']),
    failure_mode: hostile('c1f', ['img', 'double']),
    badTool: payload.img('c2t'),
  },
  token: hostile('tk', ['double', 'svg']),
  adminChannel: hostile('ch', ['single', 'img'], 100),
  teamChannel: hostile('tc', ['double', 'svg'], 100),
  viewerChannel: hostile('vc', ['title', 'double'], 100),
  channelUrl: `http://127.0.0.1:9/"><svg/onload=alert('chu')>`,
  pingSource: hostile('ps', ['title', 'single'], 100),
  githubSource: hostile('gs', ['double', 'svg'], 100),
  genericSource: hostile('ns', ['single', 'img'], 100),
  github: {
    run: hostile('gr', ['title', 'single']),
    repo: hostile('gp', ['double']),
    path: `.github/workflows/${payload.svg('gw')}.yml`,
    title: hostile('gt', ['textarea', 'img']),
    event: payload.svg('ge'),
  },
  generic: {
    name: hostile('gn', ['title', 'double'], 120),
    message: hostile('gm', ['textarea', 'svg']),
    badSlug: payload.double('gb'),
  },
  rid: payload.svg('rd'),
  review: {
    action: hostile('ra', ['title', 'double']),
    answer: hostile('rn', ['textarea', 'img']),
    notes: hostile('rs', ['textarea', 'single', 'svg']),
    draftNotes: hostile('rd', ['textarea', 'double']),
    draftAnswer: hostile('rq', ['textarea', 'svg']),
  },
  runbook: {
    first: [
      `# Runbook ${payload.title('rh')}`,
      '',
      `Plain line one. ${payload.img('r1i')}`,
      '',
      `<script>window.${FLAG}='r1s'</script>`,
      `<svg onload=alert('r1v')></svg>`,
      `<iframe srcdoc="<script>parent.${FLAG}='r1f'</script>"></iframe>`,
      `<a href="javascript:alert('r1a')">raw link</a>`,
      '',
      `${payload.markdownLink('r1m')} and [a reference][r1r] and <javascript:alert('r1u')>`,
      '',
      `[r1r]: javascript:alert('r1r')`,
      '',
      `<form action="javascript:alert('r1o')"><button formaction="javascript:alert('r1b')">go</button></form>`,
      `<details open ontoggle="window.${FLAG}='r1t'"><summary>more</summary>hidden</details>`,
      '',
      '```html',
      `</textarea><script>window.${FLAG}='r1c'</script>`,
      '```',
      '',
    ].join('\n'),
    second: [
      `# Runbook, second revision`,
      '',
      `Plain line two ${payload.double('r2d')} ${payload.single('r2s')}`,
      '',
      `<img src=x onerror="window.${FLAG}='r2i'">`,
      `<a href=" JaVaScRiPt:alert('r2a')">mixed-case link</a>`,
      `[spaced]( javascript:alert('r2m') )`,
      '',
      '```',
      `</textarea><script>window.${FLAG}='r2c'</script>`,
      '```',
      '',
    ].join('\n'),
    note1: hostile('rv1', ['double', 'svg'], 200),
    note2: hostile('rv2', ['single', 'img'], 200),
  },
};

// What seeding made, for the pages.
const made = {
  o1: '', o2: '', o3: '',
  a1: 0, csv: 0, github: 0, generic: 0,
  review1: 0, review2: 0, review1Title: '', review2Title: '',
  incident: 0, incidentTitle: '',
  pingDelivery: 0, ridDelivery: 0, githubDelivery: 0, genericDelivery: 0,
  viewerEmail: 'hostile-viewer@example.com',
};

async function ok(response: Promise<APIResponse>, status: number, what: string) {
  const res = await response;
  expect(res.status(), `${what}: ${await res.text()}`).toBe(status);
  return res.status() === 204 ? null : res.json();
}

async function hydrated(page: Page, path: string) {
  await page.goto(path);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
}

/** Waits until every delivery is turned into its run. */
async function settled(request: APIRequestContext) {
  await expect
    .poll(async () => (await (await request.get('/api/v1/deliveries?outcome=pending')).json()).total)
    .toBe(0);
}

test('hostile values go in through the API, the forms, a CSV import, a ping and signed webhooks', async ({ page, request, playwright }) => {
  test.setTimeout(120_000);
  const { dialogs } = await watchPage(page);

  // People and a team, through the admin API.
  const team = await ok(request.post('/api/v1/teams', { data: { name: text.team } }), 201, 'team');
  const owner = await ok(
    request.post('/api/v1/people', {
      data: { email: 'hostile-owner@example.com', display_name: text.owner, role: 'editor', password: PASSWORD },
    }),
    201,
    'owner',
  );
  await ok(
    request.post('/api/v1/people', {
      data: { email: made.viewerEmail, display_name: text.viewer, role: 'viewer', password: PASSWORD },
    }),
    201,
    'viewer',
  );

  // A javascript: link is refused outright.
  const refused = await request.post('/api/v1/orchestrations', {
    data: { name: 'Refused link', links: [{ label: 'click', url: payload.javascriptUrl('o0j') }] },
  });
  expect(refused.status()).toBe(422);
  expect((await request.get('/api/v1/orchestrations/refused-link')).status()).toBe(404);

  const o1 = await ok(
    request.post('/api/v1/orchestrations', {
      data: {
        name: text.o1.name, purpose: text.o1.purpose, inputs: text.o1.inputs, outputs: text.o1.outputs,
        failure_mode: text.o1.failure_mode, fallback: text.o1.fallback, tags: text.o1.tags,
        links: [text.o1.link], owner_id: owner.id, team_id: team.id, tier: 1, lifecycle: 'active',
        minutes_saved_per_run: 30, expected_runs_per_week: 5,
      },
    }),
    201,
    'orchestration 1',
  );
  made.o1 = o1.slug;
  expect(o1.name).toBe(text.o1.name);
  const o2 = await ok(request.post('/api/v1/orchestrations', { data: { name: text.o2.name, tier: 2, team_id: team.id } }), 201, 'orchestration 2');
  made.o2 = o2.slug;
  await ok(request.post('/api/v1/dependencies', { data: { upstream: { kind: 'orchestration', id: o1.id }, downstream: { kind: 'orchestration', id: o2.id } } }), 201, 'dependency');
  await ok(request.post(`/api/v1/orchestrations/${made.o1}/pauses`, { data: { starts_at: inAWeek(), ends_at: inAWeek(2), reason: text.o1.pause } }), 201, 'orchestration pause');

  const a1 = await ok(
    request.post('/api/v1/automations', {
      data: {
        tool: 'cron', external_id: text.a1.external_id, name: text.a1.name, description: text.a1.description,
        failure_mode: text.a1.failure_mode, url: text.a1.url, orchestration_id: o1.id, owner_id: owner.id,
        minutes_saved_per_run: 10, runs_per_week: 7,
      },
    }),
    201,
    'automation',
  );
  made.a1 = a1.id;
  await ok(request.post(`/api/v1/automations/${a1.id}/pauses`, { data: { starts_at: inAWeek(), ends_at: inAWeek(3), reason: text.a1.pause } }), 201, 'automation pause');

  // Tokens and alert channels carry names too.
  await ok(request.post('/api/v1/tokens', { data: { name: text.token, scope: 'read' } }), 201, 'token');
  await ok(request.post('/api/v1/account/channels', { data: { name: text.adminChannel, kind: 'slack', url: text.channelUrl } }), 201, 'own channel');
  await ok(request.post('/api/v1/channels', { data: { name: text.teamChannel, kind: 'webhook', url: text.channelUrl, team_id: team.id } }), 201, 'team channel');

  // Reviews: one signed off with notes and an action item, one left as a draft.
  const r2 = await ok(request.post(`/api/v1/orchestrations/${made.o2}/reviews`), 201, 'review 2');
  made.review2 = r2.review.id;
  await ok(request.post(`/api/v1/reviews/${made.review2}/actions`, { data: { title: text.review.action, owner_id: '', due_on: inAMonth() } }), 201, 'action item');
  const yes = { answer: 'yes', note: text.review.answer };
  await ok(
    request.post(`/api/v1/reviews/${made.review2}/sign`, {
      data: {
        version: r2.review.version,
        answers: {
          owner_right: yes, backup_owner_set: { answer: 'no', note: text.review.answer }, runbook_verified: yes,
          failure_mode_true: yes, health_within_target: yes, dependencies_correct: yes,
        },
        decision: 'keep',
        notes: text.review.notes,
      },
    }),
    200,
    'sign-off',
  );
  const r1 = await ok(request.post(`/api/v1/orchestrations/${made.o1}/reviews`), 201, 'review 1');
  made.review1 = r1.review.id;
  await ok(
    request.put(`/api/v1/reviews/${made.review1}`, {
      data: { version: r1.review.version, answers: { owner_right: { answer: 'no', note: text.review.draftAnswer } }, notes: text.review.draftNotes },
    }),
    200,
    'draft review',
  );
  made.review1Title = `Review of ${text.o1.name} · ${r1.quarter} · Baton`;
  made.review2Title = `Review of ${text.o2.name} · ${r2.quarter} · Baton`;

  // The runbook's first revision through the API.
  await ok(request.put(`/api/v1/orchestrations/${made.o1}/runbook`, { data: { body: text.runbook.first, note: text.runbook.note1, base_revision: 0 } }), 200, 'runbook');

  // A ping whose log is hostile: a failure, and an incident.
  // Tools report without a session of anyone's.
  const tool = await playwright.request.newContext({ storageState: nobody });
  expect((await tool.post(`/ping/${a1.ping.key}/1`, { data: text.a1.log })).status()).toBe(200);
  expect((await tool.get(`/ping/${a1.ping.key}?rid=${encodeURIComponent(text.rid)}`)).status()).toBe(400);

  // A ping source, and a slug it refuses.
  const pingSource = await ok(request.post('/api/v1/sources', { data: { name: text.pingSource, team_id: team.id, tool: 'ping' } }), 201, 'ping source');
  expect((await tool.get(`/ping/${pingSource.key}/${encodeURIComponent(payload.single('pz'))}?create=1`)).status()).toBeGreaterThanOrEqual(400);

  // A GitHub source, and a signed workflow run whose names are hostile.
  const github = await ok(request.post('/api/v1/sources', { data: { name: text.githubSource, team_id: team.id, tool: 'github' } }), 201, 'GitHub source');
  const fixtures = join(__dirname, '..', '..', 'server', 'tests', 'fixtures', 'webhooks');
  const delivery = JSON.parse(readFileSync(join(fixtures, 'github-octokit', 'workflow_run.completed.success.json'), 'utf8'));
  const now = new Date().toISOString();
  delivery.repository.full_name = text.github.repo;
  Object.assign(delivery.workflow_run, {
    id: 990_001, name: text.github.run, path: text.github.path, display_title: text.github.title,
    html_url: payload.javascriptUrl('gu'), conclusion: 'failure', updated_at: now, run_started_at: now, created_at: now,
  });
  const run = Buffer.from(JSON.stringify(delivery));
  const hookPath = new URL(github.urls.hook).pathname;
  const sent = await tool.post(hookPath, {
    data: run,
    headers: { 'content-type': 'application/json', 'x-github-event': 'workflow_run', 'x-github-delivery': 'hostile-1', 'x-hub-signature-256': githubSignature(github.secret, run) },
  });
  expect(sent.status(), await sent.text()).toBe(200);
  expect((await sent.json()).mapped).toBe('run');
  made.githubDelivery = (await sent.json()).delivery;
  const other = Buffer.from(JSON.stringify({ zen: payload.textarea('gz') }));
  const ignored = await tool.post(hookPath, {
    data: other,
    headers: { 'content-type': 'application/json', 'x-github-event': text.github.event, 'x-github-delivery': 'hostile-2', 'x-hub-signature-256': githubSignature(github.secret, other) },
  });
  expect((await ignored.json()).mapped).toBe('ignored');

  // A generic source, and a Standard-Webhooks-signed run; then a refused slug.
  const generic = await ok(request.post('/api/v1/sources', { data: { name: text.genericSource, team_id: team.id, tool: 'generic' } }), 201, 'generic source');
  const genericPath = new URL(generic.urls.hook).pathname;
  const body = Buffer.from(JSON.stringify({
    automation: 'hostile-generic', run_id: 'r1', status: 'failed', name: text.generic.name,
    message: text.generic.message, url: payload.javascriptUrl('gl'), started_at: now, finished_at: now,
  }));
  const genericSent = await tool.post(genericPath, {
    data: body,
    headers: { 'content-type': 'application/json', ...standardWebhookHeaders(generic.secret, 'msg_hostile_1', body) },
  });
  expect(genericSent.status(), await genericSent.text()).toBe(200);
  made.genericDelivery = (await genericSent.json()).delivery;
  const badSlug = Buffer.from(JSON.stringify({ automation: text.generic.badSlug, run_id: 'r2', status: 'failed' }));
  const refusedSlug = await tool.post(genericPath, {
    data: badSlug,
    headers: { 'content-type': 'application/json', ...standardWebhookHeaders(generic.secret, 'msg_hostile_2', badSlug) },
  });
  expect(refusedSlug.status()).toBe(400);
  await tool.dispose();
  await settled(request);

  const claims: { automation_id: number; name: string }[] = await (await request.get('/api/v1/claims')).json();
  made.github = claims.find((c) => c.name.startsWith(text.github.run))?.automation_id ?? 0;
  made.generic = claims.find((c) => c.name === text.generic.name)?.automation_id ?? 0;
  expect(made.github, JSON.stringify(claims)).toBeGreaterThan(0);
  expect(made.generic, JSON.stringify(claims)).toBeGreaterThan(0);
  const a1Delivery = async (outcome: string) =>
    (await (await request.get(`/api/v1/deliveries?automation_id=${a1.id}&outcome=${outcome}`)).json()).deliveries[0].id;
  made.pingDelivery = await a1Delivery('recorded');
  made.ridDelivery = await a1Delivery('rejected');

  // The failure opens an incident.
  await expect
    .poll(async () => (await (await request.get(`/api/v1/incidents?automation=${a1.id}`)).json()).incidents?.length ?? 0, { timeout: 20_000 })
    .toBeGreaterThan(0);
  const incident = (await (await request.get(`/api/v1/incidents?automation=${a1.id}`)).json()).incidents[0];
  expect(incident.kind).toBe('failed');
  made.incident = incident.id;
  made.incidentTitle = `Incident #${incident.id}: ${text.a1.name} failed`;

  // The new-orchestration form, typed in.
  await hydrated(page, '/orchestrations/new');
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(text.o3.name);
  await page.getByLabel('Purpose').fill(text.o3.purpose);
  await page.getByLabel('If it fails silently').fill(text.o3.failure_mode);
  await page.getByLabel('Links').fill(`${text.o3.link.label} | ${text.o3.link.url}`);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(/\/orchestrations\/o3ti-/);
  made.o3 = page.url().split('/').pop()!;
  const o3 = await (await request.get(`/api/v1/orchestrations/${made.o3}`)).json();
  expect(o3.name).toBe(text.o3.name);
  expect(o3.failure_mode).toBe(text.o3.failure_mode);
  expect(o3.links).toEqual([text.o3.link]);

  // The runbook editor, typed in: the second revision.
  await hydrated(page, `/orchestrations/${made.o1}/runbook/edit`);
  await page.getByLabel('Markdown').fill(text.runbook.second);
  await page.getByLabel('What changed (optional)').fill(text.runbook.note2);
  // The preview renders what is typed: it must stay inert too.
  await expect(page.getByRole('region', { name: 'Preview' })).toContainText('Plain line two');
  await page.waitForTimeout(300);
  expect(await page.evaluate((f) => (window as unknown as Record<string, unknown>)[f], FLAG)).toBeUndefined();
  expect(await injected(page)).toEqual([]);
  expect(await refusedScripts(page)).toEqual([]);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(/\/runbook$/);
  const runbook = await (await request.get(`/api/v1/orchestrations/${made.o1}/runbook`)).json();
  expect(runbook.current.body).toBe(text.runbook.second);

  // A CSV import through its screen: one good row, one refused.
  const file = csv([
    ['tool', 'external_id', 'name', 'description', 'failure_mode', 'orchestration'],
    ['cron', text.csv.external_id, text.csv.name, text.csv.description, text.csv.failure_mode, made.o1],
    [text.csv.badTool, 'csv-bad', 'Refused row', '', '', ''],
  ]);
  await hydrated(page, '/inventory/import');
  await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'hostile.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
  await page.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByRole('region', { name: '2. Check the preview' });
  await expect(preview).toContainText('1 new');
  await expect(preview.getByText(text.csv.name, { exact: true })).toBeVisible();
  await expect(preview.getByText(text.csv.badTool, { exact: true })).toBeVisible();
  await page.screenshot({ path: 'screenshots/hostile-admin-import-preview.png', fullPage: true });
  expect(await page.evaluate((f) => (window as unknown as Record<string, unknown>)[f], FLAG)).toBeUndefined();
  expect(await injected(page)).toEqual([]);
  expect(await refusedScripts(page)).toEqual([]);
  await preview.getByRole('button', { name: /^Import 1 good row/ }).click();
  await expect(page.getByRole('status', { name: 'Imported' })).toContainText('1 new');
  const imported: { id: number; name: string }[] = await (await request.get(`/api/v1/automations?q=${encodeURIComponent('c1ti')}`)).json();
  made.csv = imported.find((a) => a.name === text.csv.name)?.id ?? 0;
  expect(made.csv, JSON.stringify(imported)).toBeGreaterThan(0);
  await ok(request.post('/api/v1/dependencies', { data: { upstream: { kind: 'automation', id: a1.id }, downstream: { kind: 'automation', id: made.csv } } }), 201, 'automation dependency');

  expect(dialogs).toEqual([]);
});

/** The screens that show the stored text, for a role. */
function screens(role: 'admin' | 'viewer'): Screen[] {
  const admin = role === 'admin';
  const o1 = `/orchestrations/${made.o1}`;
  const me = admin ? [] : [text.viewer];
  const list: (Screen | false)[] = [
    { name: 'dashboard', path: '/', texts: [...me, text.a1.name] },
    { name: 'orchestrations', path: '/orchestrations', texts: [text.o1.name, text.o2.name, text.o3.name] },
    {
      name: 'orchestration',
      path: o1,
      title: `${text.o1.name} · Baton`,
      texts: [
        text.o1.name, text.o1.purpose, text.o1.inputs, text.o1.outputs, text.o1.failure_mode, text.o1.fallback,
        ...text.o1.tags, text.o1.link.label, text.team, text.owner, text.o1.pause, text.a1.name, text.o2.name,
      ],
    },
    admin && {
      name: 'orchestration-edit',
      path: `${o1}/edit`,
      title: `Edit ${text.o1.name} · Baton`,
      values: {
        '#field-name': text.o1.name,
        '#field-purpose': text.o1.purpose,
        '#field-inputs': text.o1.inputs,
        '#field-outputs': text.o1.outputs,
        '#field-failure_mode': text.o1.failure_mode,
        '#field-fallback': text.o1.fallback,
        '#field-links': `${text.o1.link.label} | ${text.o1.link.url}`,
        '#field-tags': [...text.o1.tags].sort().join(', '),
      },
    },
    {
      name: 'orchestration-from-form',
      path: `/orchestrations/${made.o3}`,
      title: `${text.o3.name} · Baton`,
      texts: [text.o3.name, text.o3.purpose, text.o3.failure_mode, text.o3.link.label],
    },
    admin && {
      name: 'orchestration-from-form-edit',
      path: `/orchestrations/${made.o3}/edit`,
      title: `Edit ${text.o3.name} · Baton`,
      values: { '#field-name': text.o3.name, '#field-purpose': text.o3.purpose, '#field-failure_mode': text.o3.failure_mode },
    },
    {
      name: 'runbook',
      path: `${o1}/runbook`,
      title: `Runbook · ${text.o1.name} · Baton`,
      texts: [text.o1.name, 'Plain line two', `</textarea><script>window.${FLAG}='r2c'</script>`],
    },
    admin && {
      name: 'runbook-edit',
      path: `${o1}/runbook/edit`,
      title: `Edit the runbook · ${text.o1.name} · Baton`,
      values: { '#field-body': text.runbook.second },
    },
    {
      name: 'runbook-revisions',
      path: `${o1}/runbook/revisions`,
      title: `Runbook revisions · ${text.o1.name} · Baton`,
      texts: [text.runbook.note1, text.runbook.note2],
    },
    {
      name: 'runbook-revision',
      path: `${o1}/runbook/revisions/1`,
      title: `Runbook revision 1 · ${text.o1.name} · Baton`,
      texts: ['Plain line one.', `</textarea><script>window.${FLAG}='r1c'</script>`],
    },
    {
      name: 'runbook-compare',
      path: `${o1}/runbook/compare?from=1&to=2`,
      title: `Runbook revisions 1 and 2 · ${text.o1.name} · Baton`,
      texts: [`<script>window.${FLAG}='r1s'</script>`, `<img src=x onerror="window.${FLAG}='r2i'">`],
    },
    { name: 'inventory', path: '/inventory', texts: [text.a1.name, text.csv.name, text.generic.name] },
    {
      name: 'automation',
      path: `/automations/${made.a1}`,
      title: `${text.a1.name} · Baton`,
      texts: [text.a1.name, text.a1.description, text.a1.failure_mode, text.a1.url, text.a1.external_id, text.a1.pause, text.owner, text.o1.name, text.csv.name, hostile('a1g', ['textarea'])],
    },
    admin && {
      name: 'automation-edit',
      path: `/automations/${made.a1}/edit`,
      title: `Edit ${text.a1.name} · Baton`,
      values: {
        '#field-name': text.a1.name,
        '#field-external_id': text.a1.external_id,
        '#field-url': text.a1.url,
        '#field-description': text.a1.description,
        '#field-failure_mode': text.a1.failure_mode,
      },
    },
    {
      name: 'automation-from-csv',
      path: `/automations/${made.csv}`,
      title: `${text.csv.name} · Baton`,
      texts: [text.csv.name, text.csv.description, text.csv.failure_mode, text.csv.external_id],
    },
    admin && {
      name: 'automation-from-csv-edit',
      path: `/automations/${made.csv}/edit`,
      title: `Edit ${text.csv.name} · Baton`,
      values: { '#field-description': text.csv.description, '#field-failure_mode': text.csv.failure_mode },
    },
    {
      name: 'automation-from-github',
      path: `/automations/${made.github}`,
      title: `${text.github.run} (${text.github.repo}) · Baton`,
      texts: [`${text.github.run} (${text.github.repo})`, text.github.title],
    },
    {
      name: 'automation-from-generic',
      path: `/automations/${made.generic}`,
      title: `${text.generic.name} · Baton`,
      texts: [text.generic.name, text.generic.message],
    },
    { name: 'leverage', path: '/leverage', texts: [text.o1.name, text.a1.name] },
    { name: 'reviews', path: '/reviews', texts: [text.o1.name, text.o2.name] },
    {
      name: 'review-draft',
      path: `/reviews/${made.review1}`,
      title: made.review1Title,
      // The owner's side is a form; the viewer reads the same draft as text.
      texts: admin ? [text.o1.name, text.o1.purpose] : [text.o1.name, text.o1.purpose, text.review.draftNotes, text.review.draftAnswer],
      values: admin
        ? {
            'textarea[name="draft[notes]"]': text.review.draftNotes,
            'textarea[name="draft[answers][owner_right][note]"]': text.review.draftAnswer,
          }
        : undefined,
    },
    {
      name: 'review-signed',
      path: `/reviews/${made.review2}`,
      title: made.review2Title,
      texts: [text.o2.name, text.review.notes, text.review.answer, text.review.action],
    },
    { name: 'review-report', path: '/reviews/report', texts: [text.o2.name, text.review.action] },
    {
      name: 'deliveries',
      path: '/deliveries',
      texts: [
        text.a1.name, text.genericSource, `the rid "${text.rid}" is not a run id`,
        `Baton does not map GitHub "${text.github.event}" events`,
      ],
    },
    { name: 'delivery-ping', path: `/deliveries/${made.pingDelivery}`, texts: [text.a1.name, hostile('a1g', ['textarea'])] },
    { name: 'delivery-refused', path: `/deliveries/${made.ridDelivery}`, texts: [`the rid "${text.rid}" is not a run id`] },
    // The body as received: JSON, its quotes escaped.
    { name: 'delivery-github', path: `/deliveries/${made.githubDelivery}`, texts: [JSON.stringify(text.github.title).slice(1, -1), text.githubSource] },
    { name: 'delivery-generic', path: `/deliveries/${made.genericDelivery}`, texts: [text.generic.message] },
    { name: 'incidents', path: '/incidents', texts: [text.a1.name] },
    {
      name: 'incident',
      path: `/incidents/${made.incident}`,
      title: `${made.incidentTitle} · Baton`,
      texts: [text.a1.name, text.o1.name, `${text.a1.name} failed (exit 1)`, text.teamChannel],
    },
    // A viewer is refused these, on a page that still shows their own name.
    { name: 'sources', path: '/admin/sources', status: admin ? undefined : 403, texts: admin ? [text.pingSource, text.githubSource, text.genericSource, text.team] : me },
    { name: 'people', path: '/admin/people', status: admin ? undefined : 403, texts: admin ? [text.owner, text.viewer, text.team] : me },
    { name: 'channels', path: '/admin/channels', status: admin ? undefined : 403, texts: admin ? [text.teamChannel, text.team] : me },
    { name: 'audit', path: '/admin/audit', status: admin ? undefined : 403, texts: admin ? [text.o1.name] : me },
    { name: 'account', path: '/account', texts: admin ? [text.token, text.adminChannel] : [text.viewer, text.viewerChannel] },
  ];
  // The viewer's own name is on every page they see, in the top bar.
  return list.filter((s): s is Screen => s !== false).map((s) => ({ ...s, texts: [...new Set([...(s.texts ?? []), ...me])] }));
}

async function visitAll(page: Page, role: 'admin' | 'viewer') {
  const watch = await watchPage(page);
  const parser = await page.context().newPage();
  const own = new Set<string>();
  for (const screen of screens(role)) {
    await test.step(`${role}: ${screen.name}`, async () => {
      for (const refused of await checkScreen(page, parser, watch, role, screen)) own.add(refused);
    });
  }
  await parser.close();
  expect.soft(watch.dialogs, `every dialog opened for the ${role}`).toEqual([]);
  // Baton's own scripts and handlers must all pass its policy: one it
  // refuses is a control that silently stopped working (a confirmation
  // that no longer asks, say).
  expect.soft([...own], `Baton's own scripts and handlers its policy refused, for the ${role}`).toEqual([]);
}

async function signedInViewer(browser: Browser, baseURL: string) {
  const context = await browser.newContext({ baseURL, storageState: nobody, extraHTTPHeaders: { Origin: baseURL } });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await signIn(page, made.viewerEmail);
  await expectSignedInAs(page, text.viewer);
  return { context, page };
}

// One test for both, side by side: a failure in the admin's pages must
// not hide the viewer's.
test('an admin and a viewer open every page that shows the hostile text: it reads as text and no script runs', async ({ page, browser, baseURL }) => {
  test.setTimeout(240_000);
  const { context, page: viewer } = await signedInViewer(browser, baseURL!);
  // The viewer's own channel, added from their session.
  const channel = await viewer.request.post('/api/v1/account/channels', {
    data: { name: text.viewerChannel, kind: 'webhook', url: text.channelUrl },
  });
  expect(channel.status(), await channel.text()).toBe(201);
  await Promise.all([visitAll(page, 'admin'), visitAll(viewer, 'viewer')]);
  await context.close();
});

// Names are people's to choose, and some are long without a space: at
// phone width they wrap, and no page grows wider than the screen (tables
// scroll inside their own frame).
test('long names keep every page within a phone screen', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 375, height: 800 });
  for (const path of [
    '/',
    '/orchestrations',
    `/orchestrations/${made.o1}`,
    '/inventory',
    '/leverage',
    '/reviews',
    '/incidents',
    '/deliveries',
    '/admin/people',
    '/admin/channels',
    '/admin/sources',
    '/account',
  ]) {
    await hydrated(page, path);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect.soft(width, `${path} is ${width} px wide at 375`).toBeLessThanOrEqual(390);
    const name = path === '/' ? '-dashboard' : path.replace(/\//g, '-');
    await page.screenshot({ path: `screenshots/hostile-phone${name}.png`, fullPage: true });
  }
});
