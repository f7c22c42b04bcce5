/**
 * The page's search as the person types (SPEC §4.2, issue 20 item 4): no Enter needed,
 * results at most 150 ms after the last key (one request per pause, not one per key),
 * an older answer arriving late never overwrites a newer one, the address follows the
 * box without a history entry per key (Back leaves the search), all by keyboard. A real
 * `serve` child process and Debian's Chromium; the page's timers run on Playwright's
 * clock where the test measures them, and a slow answer is held back by a routed API.
 */
import type { Page, Route } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, makeJournal } from './helpers.js';
import { startServe } from './serve-helpers.js';
import { hashOf, launch, openPage, sameDocument, TEST_TIMEOUT, WAIT, waitSettled } from './browser-helpers.js';

afterEach(() => cleanup.run());

/** SPEC §4.2: the results follow the box within this long after the last key. */
const MAX_PAUSE_MS = 150;

function journal(): string {
  return makeJournal({
    'notes/Project Zephyr.md': '---\ntitle: Project Zephyr\n---\nPlans for the zeppelin hangar: the zeppelin needs a bigger door.\n',
    '2024/2024-01-05.md': '---\ndate: 2024-01-05\n---\n# Friday\nOne zeppelin sketch.\n',
    '2024/2024-01-06.md': '---\ndate: 2024-01-06\n---\n# Saturday\nA pebble from the beach.\n',
  });
}

const resultTitles = (page: Page): Promise<string[]> => page.locator('#results .result-title').allTextContents();
const activeId = (page: Page): Promise<string> => page.evaluate(() => document.activeElement?.id ?? '');
const historyLength = (page: Page): Promise<number> => page.evaluate(() => history.length);

/** `promise`, or a clear failure after WAIT ms. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The `q` of every search request the page made so far (requests recorded by openPage). */
function searches(requests: string[]): string[] {
  return requests.map((u) => new URL(u)).filter((u) => u.pathname === '/api/entries' && u.searchParams.has('q')).map((u) => u.searchParams.get('q')!);
}

describe('search as you type', () => {
  it(
    'shows results without Enter, within 150 ms of the last key, one request per pause; leaving first drops it',
    async () => {
      const s = await startServe(journal());
      await s.idle();
      const browser = await launch();
      const { page, requests, pageErrors } = await openPage(browser, s.url, { before: (p) => p.clock.install() });
      await waitSettled(page);

      // The page's clock stands still while the person types: no key starts a search.
      await page.clock.pauseAt(Date.now() + 1000);
      await page.keyboard.press('/');
      await page.keyboard.type('zeppelin');
      expect(searches(requests)).toEqual([]);

      // 150 ms after the last key, one search for the whole word has gone out.
      const asked = page.waitForRequest((r) => new URL(r.url()).searchParams.get('q') === 'zeppelin', { timeout: WAIT });
      await page.clock.runFor(MAX_PAUSE_MS);
      await asked;
      await page.clock.resume();
      await expect.poll(() => resultTitles(page), { timeout: WAIT }).toEqual(expect.arrayContaining(['Project Zephyr', 'Friday']));
      expect(await page.locator('#results .result').count()).toBe(2);
      expect(searches(requests)).toEqual(['zeppelin']);
      expect(await hashOf(page)).toBe('/search?q=zeppelin');
      // the person can go on typing: the focus stayed in the box
      expect(await activeId(page)).toBe('search-input');

      // Leaving before the pause is over (a link, Back): the waiting search is dropped.
      await page.clock.pauseAt(Date.now() + 2000);
      await page.keyboard.type(' hangar');
      await page.evaluate(() => (location.hash = '#/'));
      await page.locator('#dashboard').waitFor({ state: 'visible', timeout: WAIT });
      await page.clock.runFor(MAX_PAUSE_MS * 2);
      await page.clock.resume();
      expect(await page.evaluate(() => new Promise((resolve) => setTimeout(() => resolve(location.hash), 0)))).toBe('#/');
      expect(await page.locator('#dashboard').isVisible()).toBe(true);
      expect(searches(requests)).toEqual(['zeppelin']);
      expect(pageErrors).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'keeps the address in step with one history entry, so Back leaves the search; keyboard only',
    async () => {
      const s = await startServe(journal());
      await s.idle();
      const browser = await launch();
      const { page, pageErrors } = await openPage(browser, s.url);
      await waitSettled(page);
      const before = await historyLength(page);

      // Typing from the dashboard, a pause, more typing: the address follows, one entry in all.
      await page.keyboard.press('/');
      await page.keyboard.type('zeppelin');
      await expect.poll(() => resultTitles(page), { timeout: WAIT }).toEqual(expect.arrayContaining(['Project Zephyr', 'Friday']));
      expect(await hashOf(page)).toBe('/search?q=zeppelin');
      await page.keyboard.type(' hangar');
      await expect.poll(() => hashOf(page), { timeout: WAIT }).toBe('/search?q=zeppelin+hangar');
      await expect.poll(() => resultTitles(page), { timeout: WAIT }).toEqual(['Project Zephyr']);
      expect(await historyLength(page)).toBe(before + 1);
      expect(await activeId(page)).toBe('search-input');

      // Tab to the hit, Enter opens it; Back returns to the search as it was typed.
      for (let i = 0; i < 10 && !(await page.evaluate(() => document.activeElement?.classList.contains('result-title'))); i++) await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Project Zephyr');
      await page.keyboard.press('Enter');
      await expect.poll(() => hashOf(page), { timeout: WAIT }).toMatch(/^\/entry\/\d+$/);
      await page.locator('#entry .entry-head').waitFor({ timeout: WAIT });
      await page.goBack();
      await expect.poll(() => hashOf(page), { timeout: WAIT }).toBe('/search?q=zeppelin+hangar');
      await expect.poll(() => resultTitles(page), { timeout: WAIT }).toEqual(['Project Zephyr']);
      expect(await page.locator('#search-input').inputValue()).toBe('zeppelin hangar');

      // One more Back leaves the search: the dashboard, where the typing began.
      await page.goBack();
      await page.locator('#dashboard').waitFor({ state: 'visible', timeout: WAIT });
      expect(await hashOf(page)).toBe('');
      expect(await page.locator('#finder').isHidden()).toBe(true);
      await page.goForward();
      await expect.poll(() => resultTitles(page), { timeout: WAIT }).toEqual(['Project Zephyr']);

      // Enter ends a typing: what is typed next is a new entry, and Back returns to the entered search.
      await page.keyboard.press('/');
      await page.keyboard.type('pebble');
      await page.keyboard.press('Enter');
      await expect.poll(() => resultTitles(page), { timeout: WAIT }).toEqual(['Saturday']);
      expect(await hashOf(page)).toBe('/search?q=pebble');
      await page.keyboard.type(' beach');
      await expect.poll(() => hashOf(page), { timeout: WAIT }).toBe('/search?q=pebble+beach');
      await page.goBack();
      await expect.poll(() => hashOf(page), { timeout: WAIT }).toBe('/search?q=pebble');
      await expect.poll(() => page.locator('#search-input').inputValue(), { timeout: WAIT }).toBe('pebble');
      expect(await sameDocument(page)).toBe(true);
      expect(pageErrors).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'drops an older answer that arrives after a newer one (routed API)',
    async () => {
      const s = await startServe(journal()); // serves the page; the searches are answered below
      await s.idle();
      const browser = await launch();
      /** The first search, held back until the test answers it. */
      const first: { route?: Route; q?: string; arrived?: () => void } = {};
      const firstArrived = new Promise<void>((resolve) => (first.arrived = resolve));
      const answer = (route: Route, title: string): Promise<void> =>
        route.fulfill({
          contentType: 'application/json',
          body: JSON.stringify({ total: 1, entries: [{ id: 1, path: `${title}.md`, title, date: null, tags: [], wordCount: 1, snippet: title }] }),
        });
      const { page, pageErrors } = await openPage(browser, s.url, {
        before: async (p) => {
          // Marks each answer once the page has read it and run what awaited it (a task
          // after the answer's microtasks), so the test knows a late answer was handled.
          await p.addInitScript(() => {
            const w = window as unknown as { __read: string[] };
            w.__read = [];
            const fetch0 = window.fetch.bind(window);
            window.fetch = async (input, init) => {
              const res = await fetch0(input, init);
              const text = res.text.bind(res);
              res.text = async () => {
                const t = await text();
                setTimeout(() => w.__read.push(String(input)), 0);
                return t;
              };
              return res;
            };
          });
          await p.route(
            (u) => u.pathname === '/api/entries' && u.searchParams.has('q'),
            async (route) => {
              const q = new URL(route.request().url()).searchParams.get('q')!;
              if (!first.route) {
                Object.assign(first, { route, q }); // the first search answers last
                first.arrived!();
                return;
              }
              await answer(route, `Newer: ${q}`);
            },
          );
        },
      });
      await waitSettled(page);

      await page.locator('#search-input').focus();
      await page.keyboard.type('zep');
      await within(firstArrived, 'the first search request');
      await page.keyboard.type('pelin');
      await expect.poll(() => resultTitles(page), { timeout: WAIT }).toEqual(['Newer: zeppelin']);

      // Now the first search answers, late: it is read and dropped.
      await answer(first.route!, `Stale: ${first.q}`);
      const staleRead = (): Promise<boolean> =>
        page.evaluate((q) => (window as unknown as { __read: string[] }).__read.some((u) => new URL(u, location.href).searchParams.get('q') === q), first.q!);
      await expect.poll(staleRead, { timeout: WAIT }).toBe(true);
      expect(await resultTitles(page)).toEqual(['Newer: zeppelin']);
      expect(await page.locator('#results-status').textContent()).toContain('1 match');
      expect(await hashOf(page)).toBe('/search?q=zeppelin');
      expect(pageErrors).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
