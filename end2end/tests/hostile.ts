// Hostile text for the browser tests, and what a page showing it must be:
// values that would run a script (setting a window flag or opening a
// dialog) if Baton ever let them become markup, the signatures that carry
// them through webhooks, and the checks made on every page.
import { createHmac } from 'node:crypto';
import { expect, type Page } from '@playwright/test';

/** The window flag every injected script sets: its value names the payload that ran. */
export const FLAG = '__baton_pwned';

/** A script body setting the flag to `tag`: found again in the DOM, it was injected. */
const run = (tag: string) => `window.${FLAG}='${tag}'`;

/**
 * Each payload carries a tag (the field it went into and the trick it
 * tries), so a failure says which value broke out of where.
 */
export const payload = {
  /** Closes the <title> element the page's name is written into. */
  title: (tag: string) => `${tag}</title><script>${run(tag)}</script>`,
  /** Closes the <textarea> a form writes stored text into. */
  textarea: (tag: string) => `${tag}</textarea><script>${run(tag)}</script>`,
  img: (tag: string) => `${tag}<img src=x onerror="${run(tag)}">`,
  svg: (tag: string) => `${tag}<svg onload=alert('${tag}')>`,
  /** Breaks out of a double-quoted attribute. */
  double: (tag: string) => `${tag}"><img src=x onerror=alert('${tag}')>`,
  /** Breaks out of a single-quoted attribute. */
  single: (tag: string) => `${tag}'><img src=x onerror=alert('${tag}')>`,
  iframe: (tag: string) => `${tag}<iframe srcdoc="<script>parent.${FLAG}='${tag}'</script>"></iframe>`,
  anchor: (tag: string) => `${tag}<a href="javascript:alert('${tag}')">${tag}</a>`,
  markdownLink: (tag: string) => `[${tag}](javascript:alert('${tag}'))`,
  javascriptUrl: (tag: string) => `javascript:alert('${tag}')`,
};

export type Trick = keyof typeof payload;

/** Several tricks in one value, kept under a field's length limit. */
export function hostile(tag: string, tricks: Trick[], max = 10_000): string {
  const text = tricks.map((t) => payload[t](`${tag}${t.slice(0, 2)}`)).join(' ');
  const length = [...text].length;
  if (length > max) throw new Error(`${tag}: ${length} characters, over ${max}`);
  return text;
}

/** GitHub's X-Hub-Signature-256: the HMAC-SHA256 of the raw body with the source's secret. */
export function githubSignature(secret: string, body: Buffer): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

/** Standard Webhooks headers: a `v1` HMAC-SHA256 of `id.timestamp.body`, keyed by the base64 after `whsec_`. */
export function standardWebhookHeaders(secret: string, id: string, body: Buffer): Record<string, string> {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const timestamp = String(Math.floor(Date.now() / 1000));
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${mac}` };
}

/** A CSV file: every cell quoted, quotes doubled. */
export function csv(rows: string[][]): string {
  return rows.map((row) => row.map((cell) => `"${cell.replaceAll('"', '""')}"`).join(',')).join('\r\n') + '\r\n';
}

/** Where the page keeps what its Content-Security-Policy refused. */
const REFUSED = '__baton_refused_scripts';

type Refusal = { what: string; hostile: boolean };

/** What a page did that the checks read: the dialogs it opened and the errors it threw. */
export type Watch = { dialogs: string[]; errors: string[] };

/**
 * Every dialog a page opens, dismissed: an alert from stored text is a
 * script that ran. The page also notes every script, handler or frame its
 * Content-Security-Policy refused: the policy is a second wall, and a
 * refusal of something made of stored text means it got past the first
 * (escaping) all the same.
 */
export async function watchPage(page: Page): Promise<Watch> {
  const watch: Watch = { dialogs: [], errors: [] };
  page.on('dialog', (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()} (on ${page.url()})`);
    void dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (error) => watch.errors.push(error.message.split('\n')[0]));
  await page.addInitScript(
    ({ key, flag }) => {
      const refused: { what: string; hostile: boolean }[] = [];
      (window as unknown as Record<string, unknown>)[key] = refused;
      const marked = (code: string) => code.includes(flag) || code.includes('alert(');
      document.addEventListener('securitypolicyviolation', (e) => {
        if (!/^(script|frame|child|object)-src/.test(e.effectiveDirective)) return;
        const el = e.target instanceof Element ? e.target : null;
        // Baton's own inline handlers are not stored text: told apart by
        // what the refused code is, not by the element's other attributes.
        const code = el
          ? [...Array.from(el.attributes).filter((a) => a.name.startsWith('on') || a.name === 'srcdoc').map((a) => a.value),
             el.tagName === 'SCRIPT' ? el.textContent ?? '' : ''].join(' ')
          : e.sample;
        refused.push({
          what: `${e.effectiveDirective}: ${e.sample || e.blockedURI} in ${el ? el.outerHTML.slice(0, 200) : String(e.target)}`,
          hostile: !el || marked(code),
        });
      });
    },
    { key: REFUSED, flag: FLAG },
  );
  return watch;
}

/** What the page's policy refused so far. */
async function refusals(page: Page): Promise<Refusal[]> {
  return page.evaluate((key) => [...(((window as unknown as Record<string, unknown>)[key] as Refusal[]) ?? [])], REFUSED);
}

/** The scripts, handlers and frames made of stored text that the page's policy refused. */
export async function refusedScripts(page: Page): Promise<string[]> {
  return (await refusals(page)).filter((r) => r.hostile).map((r) => r.what);
}

/** What the page's DOM holds that only hostile text could have put there. */
export async function injected(page: Page): Promise<string[]> {
  return page.evaluate((flag) => {
    const found: string[] = [];
    const describe = (el: Element) => el.outerHTML.slice(0, 160);
    // Baton's own scripts (the hydration loader, serialized resources)
    // may carry the hostile text inside string literals; a script whose
    // code *is* a payload's was written by one.
    for (const script of Array.from(document.querySelectorAll('script'))) {
      const code = (script.textContent ?? '').trim();
      if (code.startsWith(`window.${flag}`) || code.startsWith(`parent.${flag}`) || code.startsWith('alert(')) {
        found.push(`script: ${describe(script)}`);
      }
    }
    // A runbook is markdown, rendered through a sanitiser: an image there
    // is allowed (its handlers are not). Anywhere else, text became markup.
    for (const el of Array.from(document.querySelectorAll('img[src="x"], svg[onload], iframe[srcdoc]'))) {
      if (el.matches('.prose-body img:not([onerror]):not([onload])')) continue;
      found.push(`element: ${describe(el)}`);
    }
    for (const el of Array.from(document.querySelectorAll('*'))) {
      for (const attr of Array.from(el.attributes)) {
        if (attr.name.startsWith('on') && /alert\(|__baton_pwned/.test(attr.value)) {
          found.push(`handler ${attr.name}: ${describe(el)}`);
        }
      }
    }
    // A link is judged by the scheme the browser reads, whatever its case or spacing.
    for (const a of Array.from(document.querySelectorAll<HTMLAnchorElement>('a[href], area[href]'))) {
      if (a.protocol === 'javascript:') found.push(`javascript: link: ${describe(a)}`);
    }
    for (const el of Array.from(document.querySelectorAll('form[action], iframe[src], [formaction]'))) {
      const target = el.getAttribute('action') ?? el.getAttribute('src') ?? el.getAttribute('formaction') ?? '';
      if (/^\s*javascript:/i.test(target)) found.push(`javascript: target: ${describe(el)}`);
    }
    return found;
  }, FLAG);
}

export type Screen = {
  /** Names the screenshot and the failures. */
  name: string;
  path: string;
  /** The answer's status: a viewer is refused the admin's screens (403), and still sees a page. */
  status?: number;
  /** The whole document title, when it holds a stored name. */
  title?: string;
  /** Stored text that must read as text somewhere on the page. */
  texts?: string[];
  /** Form controls (by CSS selector) whose value must be the stored text exactly. */
  values?: Record<string, string>;
};

/** The flag an injected script would have set; undefined when none ran. */
async function flag(page: Page): Promise<unknown> {
  return page.evaluate((name) => (window as unknown as Record<string, unknown>)[name], FLAG);
}

/** The page's title and the values of `selectors`, as the browser reads them now. */
async function readPage(page: Page, selectors: string[]) {
  return page.evaluate((selectors) => {
    const values: Record<string, string | null> = {};
    for (const s of selectors) {
      const el = document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>(s);
      values[s] = el.length === 1 ? el[0].value : null;
    }
    return { title: document.title, values };
  }, selectors);
}

/**
 * The title and the values of `selectors` in the HTML the server sent,
 * parsed as a browser parses it (scripts inert): what a person sees
 * before the app hydrates, or without JavaScript. It is parsed in a blank
 * page of its own (`parser`), so the policy of Baton's page does not
 * report on it.
 */
async function readServed(page: Page, parser: Page, path: string, selectors: string[]) {
  const html = await (await page.request.get(path)).text();
  return parser.evaluate(
    ({ html, selectors }) => {
      const doc = new DOMParser().parseFromString(html, 'text/html');
      const values: Record<string, string | null> = {};
      for (const s of selectors) {
        const el = doc.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>(s);
        values[s] = el.length === 1 ? el[0].value : null;
      }
      return { title: doc.title, values };
    },
    { html, selectors },
  );
}

/**
 * Opens `screen` and checks it softly, so one run lists every page that
 * fails and why: no injected script ran (the flag stays unset, no dialog
 * opened) before or after hydration, no markup came from stored text, the
 * title and form values are the stored text exactly both as served and
 * once hydrated, and the text reads as text. `parser` is a blank page of
 * the same browser context. Answers with Baton's own scripts and handlers
 * that its policy refused (each a control that stopped working).
 */
export async function checkScreen(page: Page, parser: Page, watch: Watch, role: string, screen: Screen): Promise<string[]> {
  const where = `${role} ${screen.name} (${screen.path})`;
  const [dialogs, errors] = [watch.dialogs.length, watch.errors.length];
  const selectors = Object.keys(screen.values ?? {});
  const response = await page.goto(screen.path);
  if (screen.status === undefined) {
    expect.soft(response?.status(), `${where}: status`).toBeLessThan(400);
  } else {
    expect.soft(response?.status(), `${where}: status`).toBe(screen.status);
  }
  // Images fail and inline handlers fire before the load event.
  await page.waitForLoadState('load');
  expect.soft(await flag(page), `${where}: a script ran before hydration`).toBeUndefined();
  const served = await readServed(page, parser, screen.path, selectors);
  // A page that never hydrates fails here, and the next one is still checked.
  const hydrated = await page
    .locator('html[data-hydrated]')
    .waitFor({ state: 'attached', timeout: 20_000 })
    .then(() => true, () => false);
  expect.soft(hydrated, `${where}: hydrated (errors: ${watch.errors.slice(errors).join(' | ') || 'none'})`).toBe(true);
  // What the hydrated app renders by itself (previews, live reloads) has
  // a moment to load its images and fire their handlers.
  await page.waitForTimeout(300);
  expect.soft(await flag(page), `${where}: a script ran after hydration`).toBeUndefined();
  expect.soft(await injected(page), `${where}: markup made of stored text`).toEqual([]);
  expect.soft(await refusedScripts(page), `${where}: stored text the Content-Security-Policy refused to run`).toEqual([]);
  const own = (await refusals(page)).filter((r) => !r.hostile).map((r) => `${where}: ${r.what}`);
  const live = await readPage(page, selectors);
  if (screen.title !== undefined) {
    expect.soft(served.title, `${where}: title as served`).toBe(screen.title);
    expect.soft(live.title, `${where}: title once hydrated`).toBe(screen.title);
  }
  for (const text of screen.texts ?? []) {
    const count = await page.getByText(text, { exact: false }).count();
    expect.soft(count, `${where}: shows as text: ${text}`).toBeGreaterThan(0);
  }
  for (const [selector, value] of Object.entries(screen.values ?? {})) {
    expect.soft(served.values[selector], `${where}: ${selector} as served holds the stored text`).toBe(value);
    expect.soft(live.values[selector], `${where}: ${selector} once hydrated holds the stored text`).toBe(value);
  }
  await page.screenshot({ path: `screenshots/hostile-${role}-${screen.name}.png`, fullPage: true });
  expect.soft(watch.dialogs.slice(dialogs), `${where}: dialogs opened`).toEqual([]);
  return own;
}
