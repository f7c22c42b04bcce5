/**
 * Finding things on the page (SPEC §4.2): the search box, the entry view, lists by tag
 * and by day, the hash router (back/forward), keyboard use, journal text shown as text
 * in every view, layouts at 1280 and 375 px, and an honest first-build state. A real
 * `serve` child process and Debian's Chromium; conditions are awaited, never slept on.
 *
 * Some checks need what the lead's storage work adds to the API (entry `backlinks`, link
 * `targetId`, `entryId` in run events and errors, `/api/activity?year=` with `years`);
 * they are marked "(API: …)". The last test checks the page against that contract with
 * a stubbed API, so the page's side is verified on its own.
 */
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, makeJournal } from './helpers.js';
import { entryAt, startServe, type Served } from './serve-helpers.js';
import { hashOf, launch, openPage, overflowX, sameDocument, stubJson, TEST_TIMEOUT, WAIT, waitSettled } from './browser-helpers.js';

afterEach(() => cleanup.run());

const SHOTS = path.join(os.tmpdir(), `inkdex-page-find-${process.pid}`);

/** A small journal with wiki and markdown links between notes, tags, tasks and two years. */
function findJournal(extra: Record<string, string> = {}): string {
  const files: Record<string, string> = {
    'notes/Project Zephyr.md':
      '---\ntitle: Project Zephyr\ntags: [project]\nstatus: planning\n---\nPlans for the zeppelin hangar: the zeppelin needs a bigger door.\n\n- [ ] order helium\n- [x] draw the hull\n',
    '2024/2024-01-05.md':
      '---\ndate: 2024-01-05\ntags: [daily]\n---\n# Friday\nWorked on [[Project Zephyr]] all day; one zeppelin sketch. Also see [[Nowhere at all]].\n',
    '2024/2024-01-06.md': '---\ndate: 2024-01-06\ntags: [daily, weekend]\n---\n# Saturday\nRead [the plan](../notes/Project%20Zephyr.md) again.\n',
    '2025/2025-03-01.md': '---\ndate: 2025-03-01\ntags: [daily]\n---\n# Spring\nFirst warm day.\n',
    ...extra,
  };
  for (let i = 1; i <= 30; i++) {
    const n = String(i).padStart(2, '0');
    files[`pebbles/p${n}.md`] = `# Pebble ${n}\nA smooth pebble from the beach, number ${n}.\n`;
  }
  return makeJournal(files);
}

async function idOf(s: Served, p: string): Promise<number> {
  const e = await entryAt(s, p);
  expect(e, `entry ${p}`).toBeDefined();
  return e!.id;
}

async function resultTitles(page: Page): Promise<string[]> {
  return page.locator('#results .result-title').allTextContents();
}

async function waitHash(page: Page, want: string | RegExp): Promise<void> {
  await expect.poll(() => hashOf(page), { timeout: WAIT }).toMatch(want instanceof RegExp ? want : new RegExp(`^${want.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
}

async function entryTitle(page: Page): Promise<string> {
  await page.locator('#entry-view:not([hidden]) .entry-head').waitFor({ timeout: WAIT });
  return (await page.locator('#entry-title').textContent()) ?? '';
}

describe('finding things on the page', () => {
  it(
    'search → open a hit → follow a backlink → click a tag → open a day, with back and forward',
    async () => {
      const journal = findJournal();
      const s = await startServe(journal);
      await s.idle();
      const zephyr = await idOf(s, 'notes/Project Zephyr.md');
      const friday = await idOf(s, '2024/2024-01-05.md');
      const browser = await launch();
      const { page, pageErrors, dialogs } = await openPage(browser, s.url, { csp: true });
      await waitSettled(page);

      // "/" puts the cursor in the search box; Enter searches.
      await page.keyboard.press('/');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('search-input');
      await page.keyboard.type('zeppelin');
      await page.keyboard.press('Enter');
      await waitHash(page, '/search?q=zeppelin');
      await expect.poll(() => resultTitles(page), { timeout: WAIT }).toEqual(expect.arrayContaining(['Project Zephyr', 'Friday']));
      expect(await page.locator('#results .result').count()).toBe(2);
      expect(await page.locator('#results-status').textContent()).toContain('2 matches');
      const hit = page.locator('#results .result').filter({ has: page.locator('.result-title', { hasText: /^Project Zephyr$/ }) });
      const marks = await hit.locator('.snippet mark').allTextContents();
      expect(marks.length).toBeGreaterThan(0);
      for (const m of marks) expect(m.toLowerCase()).toBe('zeppelin');
      expect(await page.locator('#dashboard').isHidden()).toBe(true);

      // Open the hit: the entry view.
      await hit.locator('.result-title').click();
      await waitHash(page, `/entry/${zephyr}`);
      await expect.poll(() => entryTitle(page), { timeout: WAIT }).toBe('Project Zephyr');
      const entry = page.locator('#entry');
      expect(await entry.locator('.entry-path').textContent()).toBe('notes/Project Zephyr.md');
      expect(await entry.locator('.task[data-done="true"] .task-text').allTextContents()).toEqual(['draw the hull']);
      expect(await entry.locator('.task[data-done="false"] .task-text').allTextContents()).toEqual(['order helium']);
      expect(await entry.locator('.fm-row', { hasText: 'status' }).locator('dd').textContent()).toBe('planning');
      expect(await entry.locator('pre.entry-body').textContent()).toContain('the zeppelin needs a bigger door.');
      expect(await entry.locator('.entry-tags a.tag').allTextContents()).toEqual(['#project']);

      // (API: backlinks) Both notes that link here, the wiki link and the markdown link.
      const backlinks = entry.locator('.entry-backlinks a.backlink');
      await expect.poll(() => backlinks.allTextContents(), { timeout: WAIT }).toEqual(expect.arrayContaining(['Friday', 'Saturday']));
      await backlinks.filter({ hasText: 'Friday' }).click();
      await waitHash(page, `/entry/${friday}`);
      await expect.poll(() => entryTitle(page), { timeout: WAIT }).toBe('Friday');

      // (API: targetId) Its outgoing links: one resolves (and leads back), one is broken.
      const good = page.locator('#entry .entry-links li[data-broken="false"] a.link-target');
      expect(await good.textContent()).toBe('[[Project Zephyr]]');
      expect(await good.getAttribute('href')).toBe(`#/entry/${zephyr}`);
      const broken = page.locator('#entry .entry-links li[data-broken="true"]');
      expect(await broken.textContent()).toContain('[[Nowhere at all]]');
      expect(await broken.textContent()).toContain('broken');
      expect(await broken.locator('a').count()).toBe(0);

      // Back and forward walk the same way, without reloading.
      await page.goBack();
      await expect.poll(() => entryTitle(page), { timeout: WAIT }).toBe('Project Zephyr');
      await page.goForward();
      await expect.poll(() => entryTitle(page), { timeout: WAIT }).toBe('Friday');
      expect(await sameDocument(page)).toBe(true);

      // A tag leads to the entries carrying it (newest first).
      await page.locator('#entry .entry-tags a.tag[data-tag="daily"]').click();
      await waitHash(page, '/tag/daily');
      await expect.poll(() => resultTitles(page), { timeout: WAIT }).toEqual(['Spring', 'Saturday', 'Friday']);
      expect(await page.locator('#results-title').textContent()).toBe('Entries tagged #daily');

      // (API: activity years) The activity view shows the latest year; pick 2024, open a day.
      await page.locator('.back-link').click();
      await waitHash(page, '/');
      await page.locator('#dashboard').waitFor({ state: 'visible' });
      await expect.poll(() => page.locator('#activity').getAttribute('data-year'), { timeout: WAIT }).toBe('2025');
      expect(await page.locator('#activity-year option').allTextContents()).toEqual(['2025 (1)', '2024 (2)']);
      await page.locator('#activity-year').selectOption('2024');
      await expect.poll(() => page.locator('#activity').getAttribute('data-year'), { timeout: WAIT }).toBe('2024');
      const day = page.locator('#activity .day[data-date="2024-01-05"]');
      expect(await day.getAttribute('data-count')).toBe('1');
      await day.click();
      await waitHash(page, '/day/2024-01-05');
      await expect.poll(() => resultTitles(page), { timeout: WAIT }).toEqual(['Friday']);
      await page.locator('#results .result-title').click();
      await expect.poll(() => entryTitle(page), { timeout: WAIT }).toBe('Friday');

      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'search states: empty, no match, an unreadable query, paging; lists by tag and day; unknown addresses',
    async () => {
      const s = await startServe(findJournal());
      await s.idle();
      const browser = await launch();
      const { page, pageErrors } = await openPage(browser, `${s.url}#/search?q=`);
      const status = page.locator('#results-status');

      // Empty: a hint, no request for all entries.
      await expect.poll(() => status.textContent(), { timeout: WAIT }).toContain('Type a word');
      expect(await page.locator('#results .result').count()).toBe(0);

      // Paging: 30 pebbles, 25 a page.
      await page.locator('#search-input').fill('pebble');
      await page.locator('#search-input').press('Enter');
      await waitHash(page, '/search?q=pebble');
      await expect.poll(() => status.textContent(), { timeout: WAIT }).toContain('30 matches');
      expect(await status.textContent()).toContain('showing 1–25');
      expect(await page.locator('#results .result').count()).toBe(25);
      expect(await page.locator('#results-pager').textContent()).toContain('Page 1 of 2');
      await page.locator('#results-pager a[rel="next"]').click();
      await waitHash(page, '/search?q=pebble&offset=25');
      await expect.poll(() => page.locator('#results .result').count(), { timeout: WAIT }).toBe(5);
      expect(await status.textContent()).toContain('showing 26–30');
      await page.goBack();
      await expect.poll(() => page.locator('#results .result').count(), { timeout: WAIT }).toBe(25);
      expect(await page.locator('#search-input').inputValue()).toBe('pebble');

      // No match.
      await page.locator('#search-input').fill('qwertyuiop');
      await page.locator('#search-input').press('Enter');
      await expect.poll(() => status.textContent(), { timeout: WAIT }).toContain('No entries match');
      expect(await page.locator('#results .result').count()).toBe(0);
      expect(await page.locator('#results-pager').textContent()).toBe('');

      // A query the server cannot parse (400 {error}): said plainly, nothing listed.
      await stubJson(page, (u) => u.pathname === '/api/entries' && u.searchParams.get('q') === 'bad (', () => ({
        status: 400,
        json: { error: 'invalid search query: malformed MATCH expression' },
      }));
      await page.locator('#search-input').fill('bad (');
      await page.locator('#search-input').press('Enter');
      await expect.poll(() => status.getAttribute('data-kind'), { timeout: WAIT }).toBe('error');
      expect(await status.textContent()).toContain('malformed MATCH expression');
      expect(await page.locator('#results .result').count()).toBe(0);

      // Lists by tag and by day, by address.
      await page.evaluate(() => (location.hash = '#/tag/project'));
      await expect.poll(() => resultTitles(page), { timeout: WAIT }).toEqual(['Project Zephyr']);
      await page.evaluate(() => (location.hash = '#/day/2024-01-06'));
      await expect.poll(() => resultTitles(page), { timeout: WAIT }).toEqual(['Saturday']);
      expect(await page.locator('#results-title').textContent()).toContain('Jan 6, 2024');
      // a result's date leads to its day
      await page.evaluate(() => (location.hash = '#/tag/weekend'));
      await expect.poll(() => resultTitles(page), { timeout: WAIT }).toEqual(['Saturday']);
      await page.locator('#results .result-date').click();
      await waitHash(page, '/day/2024-01-06');
      await page.evaluate(() => (location.hash = '#/day/2023-07-01'));
      await expect.poll(() => status.textContent(), { timeout: WAIT }).toContain('No entries are dated 2023-07-01');

      // An entry that is not there, an address that names nothing.
      await page.evaluate(() => (location.hash = '#/entry/99999'));
      await expect.poll(() => page.locator('#entry-title').textContent(), { timeout: WAIT }).toBe('Entry not found');
      await page.evaluate(() => (location.hash = '#/nothing/here'));
      await page.locator('#unknown-view').waitFor({ state: 'visible' });
      // and home again
      await page.locator('.wordmark a').click();
      await page.locator('#dashboard').waitFor({ state: 'visible' });
      expect(await page.locator('#finder').isHidden()).toBe(true);
      expect(await sameDocument(page)).toBe(true);
      expect(pageErrors).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
