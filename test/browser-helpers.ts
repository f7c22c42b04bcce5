/**
 * Helpers for the page tests: Debian's Chromium (/usr/bin/chromium) through
 * playwright-core, a page that records script errors, dialogs (XSS), requests and
 * Content-Security-Policy violations, and stubs for the API when a test needs a state
 * the real server cannot be held in (a first build in progress).
 */
import fs from 'node:fs';
import { chromium, type Browser, type Page, type Route } from 'playwright-core';
import { expect } from 'vitest';
import { cleanup } from './helpers.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Per condition: generous, since CI has 2 cores and runs test files in parallel. */
export const WAIT = 20_000;
export const TEST_TIMEOUT = 120_000;

/** The policy the server is to send (SPEC §4.3); `csp: true` pages get it on the document. */
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

export async function launch(): Promise<Browser> {
  // Fail, do not skip: CI installs Debian's chromium, so a missing one is a broken setup.
  expect(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium)`).toBe(true);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  cleanup.add(() => browser.close());
  return browser;
}

export interface OpenedPage {
  page: Page;
  /** Uncaught script errors. */
  pageErrors: string[];
  /** alert/confirm/prompt messages (an XSS would show here). */
  dialogs: string[];
  /** Every URL the page requested. */
  requests: string[];
  /** CSP violations (`directive blockedURI`), with `csp: true`. */
  cspViolations(): Promise<string[]>;
}

export interface OpenOptions {
  viewport?: { width: number; height: number };
  /** Serve the document with the policy of SPEC §4.3 (whatever the server sends). */
  csp?: boolean;
  /** Called before the page loads: API stubs. */
  before?: (page: Page) => Promise<void>;
}

/** A page that records uncaught script errors (failing the test), dialogs (XSS) and CSP violations. */
export async function openPage(browser: Browser, url: string, opts: OpenOptions = {}): Promise<OpenedPage> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1280, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
    reducedMotion: 'reduce',
    colorScheme: 'light',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const pageErrors: string[] = [];
  const dialogs: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('request', (r) => requests.push(r.url()));
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  if (opts.csp) {
    await page.route(
      (u) => u.pathname === '/' || u.pathname === '/index.html',
      async (route) => {
        const res = await route.fetch();
        await route.fulfill({ response: res, headers: { ...res.headers(), 'content-security-policy': CSP } });
      },
    );
  }
  if (opts.before) await opts.before(page);
  await page.goto(url);
  // A marker that a reload would wipe: "without reloading" is checked against it.
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
  return {
    page,
    pageErrors,
    dialogs,
    requests,
    cspViolations: () => page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []),
  };
}

export async function sameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument === true);
}

/** Waits until the page shows `#state` idle and the health is settled. */
export async function waitSettled(page: Page): Promise<void> {
  await page.waitForFunction(
    () => document.getElementById('state')?.textContent === 'idle' && ['healthy', 'degraded'].includes(document.getElementById('health')?.textContent ?? ''),
    undefined,
    { timeout: WAIT },
  );
}

/** The page's horizontal overflow: how much wider the document is than the viewport. */
export async function overflowX(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** The route part of the page's address (`#/entry/3` → `/entry/3`). */
export async function hashOf(page: Page): Promise<string> {
  return page.evaluate(() => decodeURIComponent(location.hash.replace(/^#/, '')));
}

/** Answers the requests `match` picks with JSON: `answer(url)` says the status (200 unless told) and body. */
export async function stubJson(page: Page, match: (u: URL) => boolean, answer: (u: URL) => { status?: number; json: unknown }): Promise<void> {
  await page.route(
    (u) => match(u),
    async (route: Route) => {
      const a = answer(new URL(route.request().url()));
      await route.fulfill({ status: a.status ?? 200, contentType: 'application/json', body: JSON.stringify(a.json) });
    },
  );
}
