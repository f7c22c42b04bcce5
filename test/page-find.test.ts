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
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, makeJournal, tmpDir } from './helpers.js';
import { allEntries, entryAt, startServe, type Served } from './serve-helpers.js';
import { hashOf, launch, openPage, overflowX, sameDocument, stubJson, TEST_TIMEOUT, WAIT, waitSettled } from './browser-helpers.js';

afterEach(() => cleanup.run());

/** Screenshots of every view at both widths: kept in INKDEX_SCREENSHOT_DIR when set (to look at), else thrown away. */
const shotsDir = (): string => process.env.INKDEX_SCREENSHOT_DIR ?? tmpDir('inkdex-page-shots-');

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
      expect(await page.title()).toMatch(/^Search: pebble — inkdex/); // the back button's list names the search
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

  it(
    'shows journal text literally in every view: results, entry, tags, day, run details (under the CSP)',
    async () => {
      const IMG = '<img src=x onerror=alert(1)>';
      const SCRIPT = '"><script>alert(2)</script>';
      const evilTitle = `${SCRIPT} ${IMG} title`;
      const journal = makeJournal({
        [`notes/${IMG}.md`]: [
          '---',
          `title: '${evilTitle.replace(/'/g, "''")}'`,
          'date: 2026-11-01',
          `tags: ['${IMG}', '${SCRIPT.replace(/'/g, "''")}']`,
          `note: '${IMG}'`,
          `nested: {a: '${SCRIPT.replace(/'/g, "''")}'}`,
          '---',
          `xylophone ${IMG} ${SCRIPT} end`,
          '',
          `See [[Target ${SCRIPT}]] and [[${IMG} elsewhere]].`,
          '',
          `- [ ] ${IMG} task`,
          '',
        ].join('\n'),
        [`notes/linker ${SCRIPT}.md`]: `---\ntitle: '${`${IMG} linker`}'\n---\nLinks to [[${IMG}]].\n`,
        'notes/plain.md': '# Plain\nNothing to see.\n',
      });
      const s = await startServe(journal);
      await s.idle();
      const browser = await launch();
      const { page, pageErrors, dialogs, requests, cspViolations } = await openPage(browser, s.url, { csp: true });
      await waitSettled(page);
      const noMarkup = async (scope: string): Promise<number> =>
        page.locator(`${scope} img, ${scope} script, ${scope} iframe, ${scope} svg, ${scope} object`).count();

      // Search results: title, path, snippet and tags as text.
      await page.locator('#search-input').fill('xylophone');
      await page.locator('#search-input').press('Enter');
      const result = page.locator('#results .result').first();
      await result.waitFor({ timeout: WAIT });
      expect(await result.locator('.result-title').textContent()).toBe(evilTitle);
      expect(await result.locator('.path').textContent()).toBe(`notes/${IMG}.md`);
      expect(await result.locator('.snippet').textContent()).toContain(IMG);
      expect(await result.locator('.snippet').textContent()).toContain(SCRIPT);
      expect(await result.locator('.result-tags a.tag').allTextContents()).toEqual(expect.arrayContaining([`#${IMG}`, `#${SCRIPT}`]));
      expect(await noMarkup('#finder')).toBe(0);

      // The entry view: every field.
      await result.locator('.result-title').click();
      await expect.poll(() => entryTitle(page), { timeout: WAIT }).toBe(evilTitle);
      const entry = page.locator('#entry');
      expect(await entry.locator('.entry-path').textContent()).toBe(`notes/${IMG}.md`);
      expect(await entry.locator('.entry-tags a.tag').allTextContents()).toEqual(expect.arrayContaining([`#${IMG}`, `#${SCRIPT}`]));
      expect(await entry.locator('.fm-row', { has: page.locator('dt', { hasText: /^note$/ }) }).locator('dd').textContent()).toBe(IMG);
      expect(await entry.locator('.fm-row', { has: page.locator('dt', { hasText: /^nested$/ }) }).locator('dd').textContent()).toBe(JSON.stringify({ a: SCRIPT }));
      expect(await entry.locator('.entry-links li').allTextContents()).toEqual(
        expect.arrayContaining([expect.stringContaining(`[[Target ${SCRIPT}]]`), expect.stringContaining(`[[${IMG} elsewhere]]`)]),
      );
      expect(await entry.locator('.task-text').allTextContents()).toEqual([`${IMG} task`]);
      expect(await entry.locator('pre.entry-body').textContent()).toContain(`xylophone ${IMG} ${SCRIPT} end`);
      expect(await noMarkup('#finder')).toBe(0);

      // A tag with markup in it, and the entry's day.
      await entry.locator('.entry-tags a.tag', { hasText: IMG }).click();
      await expect.poll(() => page.locator('#results-title').textContent(), { timeout: WAIT }).toBe(`Entries tagged #${IMG}`);
      await expect.poll(() => resultTitles(page), { timeout: WAIT }).toEqual([evilTitle]);
      await page.goBack();
      await expect.poll(() => entryTitle(page), { timeout: WAIT }).toBe(evilTitle);
      await entry.locator('.entry-date').click();
      await waitHash(page, '/day/2026-11-01');
      await expect.poll(() => resultTitles(page), { timeout: WAIT }).toEqual([evilTitle]);
      expect(await noMarkup('#finder')).toBe(0);

      // Run details list the same paths (and, with entryId, lead to them).
      await page.locator('.back-link').click();
      await page.locator('#runs tr[data-run-id]').first().click();
      const detail = page.locator('#run-detail');
      await detail.locator('.detail-facts').waitFor({ timeout: WAIT });
      expect(await detail.textContent()).toContain(`notes/${IMG}.md`);
      expect(await noMarkup('#run-detail')).toBe(0);

      let probeViolations = 0;
      const safe = async (): Promise<void> => {
        expect(await page.evaluate(() => document.body.querySelectorAll('img, script').length)).toBe(0);
        expect(requests.filter((u) => new URL(u).pathname === '/x')).toEqual([]);
        expect(dialogs).toEqual([]);
        expect(pageErrors).toEqual([]);
        expect((await cspViolations()).slice(probeViolations)).toEqual([]);
      };
      await safe();
      // The policy was in force all along (so an inline script or style of the page's own
      // would have shown above): a probe inline script is refused.
      const probe = await page.evaluate(() => {
        const el = document.createElement('script');
        el.textContent = 'window.__inlineRan = true';
        document.body.append(el);
        el.remove();
        return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true ? 'ran' : 'blocked';
      });
      expect(probe).toBe('blocked');
      await expect.poll(async () => (await cspViolations()).length, { timeout: WAIT }).toBe(1);
      probeViolations = 1;

      // (API: backlinks) The linking note's title, shown as text in the backlinks.
      const evilId = await idOf(s, `notes/${IMG}.md`);
      await page.evaluate((h) => (location.hash = h), `#/entry/${evilId}`);
      await expect.poll(() => entryTitle(page), { timeout: WAIT }).toBe(evilTitle);
      await expect.poll(() => entry.locator('.entry-backlinks a.backlink').allTextContents(), { timeout: WAIT }).toEqual([`${IMG} linker`]);
      await safe();
    },
    TEST_TIMEOUT,
  );

  it(
    'is usable with the keyboard: / to search, Tab to a hit, Enter to open, visible focus, days by arrow keys',
    async () => {
      const s = await startServe(findJournal());
      await s.idle();
      const browser = await launch();
      const { page, pageErrors } = await openPage(browser, s.url);
      await waitSettled(page);
      const active = (): Promise<{ id: string; cls: string; text: string; outline: string; tag: string }> =>
        page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          return {
            id: el?.id ?? '',
            cls: el?.className ?? '',
            text: el?.textContent ?? '',
            outline: el ? getComputedStyle(el).outlineStyle : 'none',
            tag: el?.tagName ?? '',
          };
        });
      /** Presses Tab until the focus is on an element matching `pred` (at most `max` times). */
      const tabTo = async (pred: (a: Awaited<ReturnType<typeof active>>) => boolean, max = 40): Promise<Awaited<ReturnType<typeof active>>> => {
        for (let i = 0; i < max; i++) {
          await page.keyboard.press('Tab');
          const a = await active();
          if (pred(a)) return a;
        }
        throw new Error(`Tab never reached the element; last: ${JSON.stringify(await active())}`);
      };

      await page.keyboard.press('/');
      expect((await active()).id).toBe('search-input');
      await page.keyboard.type('zeppelin');
      await page.keyboard.press('Enter');
      await page.locator('#results .result').first().waitFor({ timeout: WAIT });

      // Tab reaches the first hit; its focus ring is visible; Enter opens it.
      const first = await tabTo((a) => a.cls.includes('result-title'));
      expect(first.outline).not.toBe('none');
      await page.keyboard.press('Enter');
      await waitHash(page, /^\/entry\/\d+$/);
      await page.locator('#entry .entry-head').waitFor({ timeout: WAIT });
      // the focus moved to the opened entry's title
      await expect.poll(async () => (await active()).id, { timeout: WAIT }).toBe('entry-title');

      // Tab reaches the entry's tag; Enter follows it.
      const tag = await tabTo((a) => a.tag === 'A' && a.cls.includes('tag'));
      expect(tag.outline).not.toBe('none');
      await page.keyboard.press('Enter');
      await waitHash(page, /^\/tag\//);
      await page.locator('#results .result').first().waitFor({ timeout: WAIT });
      await expect.poll(async () => (await active()).id, { timeout: WAIT }).toBe('results-title');

      // "/" from anywhere but a text field, and not while typing in one.
      await page.keyboard.press('/');
      expect((await active()).id).toBe('search-input');
      await page.keyboard.type('a/b');
      expect(await page.locator('#search-input').inputValue()).toBe('a/b');

      // The activity grid: one Tab stop, arrow keys move, Enter lists that day.
      await page.evaluate(() => (location.hash = '#/'));
      await page.locator('#dashboard').waitFor({ state: 'visible' });
      await page.locator('#activity .cal-grid').focus();
      expect((await active()).outline).not.toBe('none');
      await page.keyboard.press('Home');
      await page.keyboard.press('ArrowDown');
      const caption = (await page.locator('#activity-caption').textContent()) ?? '';
      expect(caption).toMatch(/Jan 2, \d{4}/);
      await page.keyboard.press('Enter');
      await waitHash(page, /^\/day\/\d{4}-01-02$/);
      await page.locator('#results-status').waitFor({ timeout: WAIT });
      expect(await sameDocument(page)).toBe(true);
      expect(pageErrors).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'fits 1280 px and 375 px screens in every view, long words and paths included',
    async () => {
      const long = 'supercalifragilistic'.repeat(12);
      const s = await startServe(
        findJournal({
          [`notes/${'deep/'.repeat(6)}${long}.md`]: `---\ntitle: ${long}\ndate: 2024-01-05\ntags: [daily, ${long}]\nsource: ${long}\n---\nzeppelin ${long} and a long line ${'word '.repeat(80)}\n\n[[${long}]]\n\n- [ ] ${long}\n\n    indented ${long}\n`,
        }),
      );
      await s.idle();
      const longId = (await allEntries(s)).find((e) => e.path.endsWith(`${long}.md`))!.id;
      const browser = await launch();
      const shots = shotsDir();
      for (const width of [1280, 375]) {
        const { page, pageErrors } = await openPage(browser, s.url, { viewport: { width, height: 900 } });
        await waitSettled(page);
        const views: Array<[string, string]> = [
          ['', '#activity .day'],
          ['#/search?q=zeppelin', '#results .result'],
          [`#/entry/${longId}`, '#entry .entry-head'],
          ['#/tag/daily', '#results .result'],
          ['#/day/2024-01-05', '#results .result'],
        ];
        for (const [hash, ready] of views) {
          await page.evaluate((h) => (location.hash = h), hash);
          await page.locator(ready).first().waitFor({ timeout: WAIT });
          expect(await overflowX(page), `${hash || 'home'} at ${width} px`).toBeLessThanOrEqual(1);
          await page.screenshot({ path: path.join(shots, `${width}-${hash.replace(/[^a-z0-9]+/gi, '_') || 'home'}.png`), fullPage: true, animations: 'disabled' });
        }
        // the entry's parts side by side on a wide screen, stacked on a phone
        await page.evaluate((h) => (location.hash = h), `#/entry/${longId}`);
        await page.locator('#entry .entry-head').waitFor({ timeout: WAIT });
        const [bodyBox, sideBox] = await Promise.all([page.locator('#entry .entry-text').boundingBox(), page.locator('#entry .entry-side').boundingBox()]);
        expect(bodyBox && sideBox).toBeTruthy();
        if (width === 1280) expect(sideBox!.x).toBeGreaterThan(bodyBox!.x + bodyBox!.width - 1);
        else expect(sideBox!.y).toBeGreaterThan(bodyBox!.y + bodyBox!.height - 1);
        expect(pageErrors).toEqual([]);
      }
    },
    TEST_TIMEOUT,
  );

  it(
    'says the index is being built during the first build, then what it found (stubbed API)',
    async () => {
      const s = await startServe(makeJournal({ 'a.md': '# A\n' })); // serves the page's files
      await s.idle();
      const browser = await launch();
      let phase: 'building' | 'done' = 'building';
      const started = new Date().toISOString();
      const run = { id: 1, trigger: 'startup', kind: 'full', status: 'running', startedAt: started, finishedAt: null, durationMs: null, scanned: null, added: null, updated: null, unchanged: null, moved: null, removed: null, errors: null, message: null };
      const finished = { ...run, status: 'succeeded', finishedAt: started, durationMs: 1200, scanned: 3, added: 3, updated: 0, unchanged: 0, moved: 0, removed: 0, errors: 0 };
      const status = (): unknown => ({
        state: phase === 'building' ? 'syncing' : 'idle',
        health: 'healthy',
        healthReasons: [],
        journal: '/home/me/journal',
        engine: 'wasm',
        db: { path: '/home/me/journal/.inkdex/index.sqlite', sizeBytes: 4096, lastWriteAt: null },
        watcher: { state: 'watching', files: 200, dirs: 3 },
        counts: phase === 'building' ? { entries: 0, tags: 0, errors: 0 } : { entries: 3, tags: 1, errors: 0 },
        currentRun: phase === 'building' ? { id: 1, trigger: 'startup', kind: 'full', processed: 40, total: 200, startedAt: started } : null,
        lastRun: phase === 'building' ? null : finished,
        version: '0.1.0',
      });
      const { page, pageErrors } = await openPage(browser, s.url, {
        before: async (p) => {
          await p.route(
            (u) => u.pathname.startsWith('/api/'),
            async (route) => {
              const u = new URL(route.request().url());
              if (u.pathname === '/api/events') {
                const events =
                  phase === 'building'
                    ? [['status', status()], ['run-progress', { id: 1, trigger: 'startup', kind: 'full', processed: 120, total: 200 }]]
                    : [['run-finished', finished], ['status', status()]];
                const body = `retry: 300\n\n${events.map(([e, d]) => `event: ${e as string}\ndata: ${JSON.stringify(d)}\n\n`).join('')}`;
                await route.fulfill({ status: 200, contentType: 'text/event-stream', body });
                return;
              }
              const answers: Record<string, unknown> = {
                '/api/status': status(),
                '/api/runs': { runs: [phase === 'building' ? run : finished] },
                '/api/errors': { errors: [] },
                '/api/tags': { tags: phase === 'building' ? [] : [{ tag: 'daily', count: 3 }] },
                '/api/activity':
                  phase === 'building'
                    ? { year: null, years: [], days: [] }
                    : { year: 2024, years: [{ year: 2024, count: 3 }], days: [{ date: '2024-01-05', count: 3 }] },
              };
              const json = answers[u.pathname];
              await route.fulfill({ status: json === undefined ? 404 : 200, contentType: 'application/json', body: JSON.stringify(json ?? { error: 'not stubbed' }) });
            },
          );
        },
      });

      // Building: no "Healthy", no "every file was read", no "no dated entries" — progress instead.
      await expect.poll(() => page.locator('#health').textContent(), { timeout: WAIT }).toBe('Building the index');
      expect(await page.locator('#badge').getAttribute('data-health')).toBe('building');
      await expect.poll(() => page.locator('#progress-count').textContent(), { timeout: WAIT }).toContain('/ 200 files');
      expect(await page.locator('#progress').isVisible()).toBe(true);
      expect(await page.locator('#progress-label').textContent()).toContain('Building the index');
      expect(await page.locator('#last-run').textContent()).toContain('being built');
      await expect.poll(() => page.locator('#errors').textContent(), { timeout: WAIT }).toContain('being built');
      expect(await page.locator('#errors').textContent()).not.toContain('Every file was read');
      await expect.poll(() => page.locator('#activity-summary').textContent(), { timeout: WAIT }).toContain('being built');
      const everything = (await page.locator('body').textContent()) ?? '';
      expect(everything).not.toMatch(/healthy/i);
      expect(everything).not.toContain('No dated entries');
      expect(await page.title()).toContain('building');

      // The run finishes: the page now says what it found.
      phase = 'done';
      await expect.poll(() => page.locator('#health').textContent(), { timeout: WAIT }).toBe('healthy');
      await expect.poll(() => page.locator('#errors').textContent(), { timeout: WAIT }).toContain('Every file was read');
      await expect.poll(() => page.locator('#activity-summary').textContent(), { timeout: WAIT }).toContain('3 entries on 1 day in 2024');
      expect(await page.locator('#progress').isHidden()).toBe(true);
      expect(await page.locator('#last-run').textContent()).toContain('succeeded');
      expect(pageErrors).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'follows the API contract for links, backlinks, entryId and activity years (stubbed API)',
    async () => {
      const s = await startServe(makeJournal({ 'a.md': '# A\n' })); // serves the page's files
      await s.idle();
      const browser = await launch();
      const at = '2026-11-01T10:00:00.000Z';
      const summary = (id: number, title: string, date: string | null): unknown => ({ id, path: `notes/${title}.md`, title, date, tags: [], wordCount: 3, snippet: `About ${title}.` });
      const entry = (id: number, title: string, extra: Record<string, unknown> = {}): unknown => ({
        id, path: `notes/${title}.md`, title, date: '2024-06-01', frontmatter: {}, body: `Body of ${title}.`, wordCount: 3,
        tags: [], links: [], tasks: [], backlinks: [], history: [{ id: 1, runId: 1, at, path: `notes/${title}.md`, oldPath: null, kind: 'added', contentHash: 'x' }],
        ...extra,
      });
      const entries: Record<string, unknown> = {
        '7': entry(7, 'Seven', {
          links: [
            { target: 'Eight', kind: 'wiki', targetId: 8 },
            { target: 'Gone', kind: 'wiki', targetId: null },
            { target: '../notes/Nine.md', kind: 'markdown', targetId: 9 },
          ],
          backlinks: [{ id: 9, path: 'notes/Nine.md', title: 'Nine' }],
        }),
        '8': entry(8, 'Eight'),
        '9': entry(9, 'Nine'),
      };
      const statusBody = {
        state: 'idle', health: 'degraded', healthReasons: ['1 file has problems'], journal: '/j', engine: 'wasm',
        db: { path: '/j/i.sqlite', sizeBytes: 1, lastWriteAt: at }, watcher: { state: 'watching', files: 3, dirs: 1 },
        counts: { entries: 3, tags: 0, errors: 1 }, currentRun: null,
        lastRun: { id: 1, trigger: 'startup', kind: 'full', status: 'succeeded', startedAt: at, finishedAt: at, durationMs: 5, scanned: 4, added: 3, updated: 0, unchanged: 0, moved: 0, removed: 1, errors: 1, message: null },
        version: '0.1.0',
      };
      const { page, pageErrors } = await openPage(browser, s.url, {
        before: async (p) => {
          await stubJson(p, (u) => u.pathname.startsWith('/api/') && u.pathname !== '/api/events', (u) => {
            const m = /^\/api\/entries\/(\d+)$/.exec(u.pathname);
            if (m) return entries[m[1]!] ? { json: entries[m[1]!] } : { status: 404, json: { error: 'no entry' } };
            switch (u.pathname) {
              case '/api/status':
                return { json: statusBody };
              case '/api/runs':
                return { json: { runs: [statusBody.lastRun] } };
              case '/api/runs/1':
                return {
                  json: {
                    ...statusBody.lastRun,
                    events: [
                      { id: 1, runId: 1, at, path: 'notes/Seven.md', oldPath: null, kind: 'added', contentHash: 'x', entryId: 7 },
                      { id: 2, runId: 1, at, path: 'notes/Old.md', oldPath: null, kind: 'removed', contentHash: null, entryId: null },
                    ],
                    errors: [{ path: 'notes/Nine.md', message: 'invalid YAML', at, entryId: 9 }],
                  },
                };
              case '/api/errors':
                return { json: { errors: [{ path: 'notes/Nine.md', message: 'invalid YAML', at, entryId: 9 }, { path: 'notes/unreadable.md', message: 'not UTF-8', at, entryId: null }] } };
              case '/api/tags':
                return { json: { tags: [] } };
              case '/api/activity':
                return u.searchParams.get('year') === '2024'
                  ? { json: { year: 2024, years: [{ year: 2024, count: 1 }, { year: 2025, count: 2 }], days: [{ date: '2024-06-01', count: 1 }] } }
                  : { json: { year: 2025, years: [{ year: 2024, count: 1 }, { year: 2025, count: 2 }], days: [{ date: '2025-02-03', count: 2 }] } };
              case '/api/entries':
                return { json: u.searchParams.get('from') === '2024-06-01' ? { total: 1, entries: [summary(8, 'Eight', '2024-06-01')] } : { total: 0, entries: [] } };
              default:
                return { status: 404, json: { error: 'not stubbed' } };
            }
          });
        },
      });

      // Files with problems: a path with an entry opens it; one without stays text.
      const problems = page.locator('#errors li.problem');
      await problems.first().waitFor({ timeout: WAIT });
      expect(await problems.locator('a.path').allTextContents()).toEqual(['notes/Nine.md']);
      expect(await problems.locator('span.path').allTextContents()).toEqual(['notes/unreadable.md']);
      await problems.locator('a.path').click();
      await waitHash(page, '/entry/9');
      await expect.poll(() => entryTitle(page), { timeout: WAIT }).toBe('Nine');

      // Run details: the added entry opens; the removed one is text.
      await page.goBack();
      await page.locator('#runs tr[data-run-id="1"]').click();
      const events = page.locator('#run-detail .event');
      await events.first().waitFor({ timeout: WAIT });
      expect(await events.locator('a.path').allTextContents()).toEqual(['notes/Seven.md']);
      expect(await page.locator('#run-detail .event[data-kind="removed"] a').count()).toBe(0);
      await events.locator('a.path').click();
      await waitHash(page, '/entry/7');
      await expect.poll(() => entryTitle(page), { timeout: WAIT }).toBe('Seven');

      // The entry: resolved links open their entries, the unresolved one is broken; backlinks open.
      const links = page.locator('#entry .entry-links li');
      expect(await links.count()).toBe(3);
      expect(await page.locator('#entry .entry-links a.link-target').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(['#/entry/8', '#/entry/9']);
      expect(await page.locator('#entry .entry-links li[data-broken="true"]').textContent()).toContain('[[Gone]]');
      await page.locator('#entry .entry-links a.link-target', { hasText: 'Eight' }).click();
      await expect.poll(() => entryTitle(page), { timeout: WAIT }).toBe('Eight');
      await page.goBack();
      await expect.poll(() => entryTitle(page), { timeout: WAIT }).toBe('Seven');
      await page.locator('#entry .entry-backlinks a.backlink').click();
      await waitHash(page, '/entry/9');
      await expect.poll(() => entryTitle(page), { timeout: WAIT }).toBe('Nine');

      // Activity: the latest year by default, any other year on request; a day opens its entries.
      await page.evaluate(() => (location.hash = '#/'));
      await expect.poll(() => page.locator('#activity').getAttribute('data-year'), { timeout: WAIT }).toBe('2025');
      expect(await page.locator('#activity-year option').allTextContents()).toEqual(['2025 (2)', '2024 (1)']);
      expect(await page.locator('#activity .day[data-date="2025-02-03"]').getAttribute('data-count')).toBe('2');
      expect(await page.locator('#activity-summary').textContent()).toContain('2 entries on 1 day in 2025');
      await page.locator('#activity-year').selectOption('2024');
      await expect.poll(() => page.locator('#activity').getAttribute('data-year'), { timeout: WAIT }).toBe('2024');
      expect(await page.locator('#activity .day').count()).toBe(366); // a leap year, every day
      await page.locator('#activity .day[data-date="2024-06-01"]').click();
      await waitHash(page, '/day/2024-06-01');
      await expect.poll(() => resultTitles(page), { timeout: WAIT }).toEqual(['Eight']);
      expect(pageErrors).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
