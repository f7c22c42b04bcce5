/**
 * The status page end to end (SPEC §4.2, §4.3): a real `serve` child process and a real
 * headless Chromium (Debian's /usr/bin/chromium driven by playwright-core). Everything is
 * awaited through conditions, never fixed sleeps. With INKDEX_SCREENSHOT=1 the first test
 * refreshes `docs/screenshot.png` (shown in the README).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, makeJournal, REPO_ROOT, tmpDir, waitFor, writeFile } from './helpers.js';
import { startServe } from './serve-helpers.js';
import { launch, openPage, overflowX, sameDocument, TEST_TIMEOUT, WAIT, waitSettled } from './browser-helpers.js';

afterEach(() => cleanup.run());

const SAMPLE = path.join(REPO_ROOT, 'sample-journal');
/** The README's picture is refreshed only on request (INKDEX_SCREENSHOT=1 npm test), so tests never dirty the tree. */
const SCREENSHOT = process.env.INKDEX_SCREENSHOT ? path.join(REPO_ROOT, 'docs', 'screenshot.png') : path.join(os.tmpdir(), `inkdex-page-${process.pid}.png`);

async function countValue(page: Page, id: string): Promise<number | null> {
  const v = await page.locator(`#${id}`).getAttribute('data-value');
  return v === null ? null : Number(v);
}

/** Run ids in the table (newest first). */
async function runIds(page: Page): Promise<number[]> {
  return page.locator('#runs tr[data-run-id]').evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset.runId)));
}

/** A temp copy of sample-journal (as `…/journal`) without its `.inkdex` folder. */
function copySample(): string {
  const root = path.join(tmpDir('inkdex-page-'), 'journal');
  fs.cpSync(SAMPLE, root, { recursive: true, filter: (src) => !path.relative(SAMPLE, src).split(path.sep).includes('.inkdex') });
  return root;
}

describe('status page in a browser', () => {
  it(
    'shows health, counts, problems and activity, and follows resyncs and file changes live',
    async () => {
      const journal = copySample();
      // the index where inkdex puts it by default (the screenshot shows this path)
      const s = await startServe(journal, [], path.join(journal, '.inkdex', 'index.sqlite'));
      await s.idle();
      const browser = await launch();
      const { page, pageErrors } = await openPage(browser, s.url);

      await waitSettled(page);
      await expect.poll(() => page.locator('#health').textContent(), { timeout: WAIT }).toBe('degraded');
      const status = await s.api<{ counts: { entries: number; errors: number } }>('/api/status');
      expect(status.counts.entries).toBeGreaterThan(40);
      await expect.poll(() => countValue(page, 'count-entries'), { timeout: WAIT }).toBe(status.counts.entries);
      await expect.poll(() => countValue(page, 'count-errors'), { timeout: WAIT }).toBe(status.counts.errors);
      expect(await countValue(page, 'count-tags')).toBeGreaterThan(0);
      expect((await page.locator('#db-path').textContent())?.trim()).toBe(s.db);
      expect(await page.locator('#db-size').textContent()).toMatch(/\d+(\.\d)? (B|kB|MB)/);

      // The broken file is listed with its problem.
      const problem = page.locator('#errors li.problem', { hasText: 'notes/Broken frontmatter.md' });
      await problem.waitFor({ timeout: WAIT });
      expect(await page.locator('#errors li.problem').count()).toBe(1);
      expect((await problem.locator('.problem-message').textContent())?.trim()).not.toBe('');

      // The activity view shows the latest year with entries (the server's default year),
      // its days matching what the API counts.
      const activeDays = page.locator('#activity .day[data-count]:not([data-count="0"])');
      await activeDays.first().waitFor({ timeout: WAIT });
      const act = await s.api<{ year?: number | null; days: Array<{ date: string; count: number }> }>('/api/activity');
      // (a server without `year` answered for the last 365 days: the page shows the latest year of those)
      const year = act.year ?? Math.max(...act.days.map((d) => Number(d.date.slice(0, 4))));
      expect(await page.locator('#activity').getAttribute('data-year')).toBe(String(year));
      const shown = await activeDays.evaluateAll((cells) => cells.map((c) => `${(c as HTMLElement).dataset.date}=${(c as HTMLElement).dataset.count}`));
      expect(shown.length).toBeGreaterThan(0);
      expect(shown).toEqual(act.days.filter((d) => d.count > 0 && d.date.startsWith(`${year}-`)).map((d) => `${d.date}=${d.count}`));

      // "Resync now" → a new manual run appears and finishes, without a reload.
      await page.locator('#runs tr[data-run-id]').first().waitFor({ timeout: WAIT });
      const before = Math.max(...(await runIds(page)));
      await page.locator('#resync').click();
      const manual = page.locator('#runs tr[data-trigger="manual"]').first();
      await manual.waitFor({ timeout: WAIT });
      const manualId = Number(await manual.getAttribute('data-run-id'));
      expect(manualId).toBeGreaterThan(before);
      const manualRow = page.locator(`#runs tr[data-run-id="${manualId}"]`);
      await expect.poll(() => manualRow.getAttribute('data-status'), { timeout: WAIT }).toBe('succeeded');
      await expect.poll(() => page.locator('#resync').isEnabled(), { timeout: WAIT }).toBe(true);
      expect(await sameDocument(page)).toBe(true);

      // Clicking the row opens its details.
      await manualRow.click();
      const detail = page.locator('#run-detail');
      await detail.waitFor({ state: 'visible', timeout: WAIT });
      expect(await detail.getAttribute('data-run-id')).toBe(String(manualId));
      await expect.poll(() => detail.locator('#run-detail-title').textContent(), { timeout: WAIT }).toBe(`Run #${manualId}`);
      await detail.locator('.detail-facts').waitFor({ timeout: WAIT }); // the details arrived
      expect(await detail.textContent()).toContain('manual');

      // The watcher's file count is cached for 5 s and may date from before its initial
      // walk ended ("0 files"): wait for the real one, so that the status pushed after the
      // next run (and the screenshot) carries it.
      await waitFor(async () => (await s.api<{ watcher: { files: number } }>('/api/status')).watcher.files > 0, {
        timeoutMs: WAIT,
        message: 'the watcher to count the files',
      });

      // A new file on disk → one more entry and a watch run, live.
      const entries = (await countValue(page, 'count-entries'))!;
      writeFile(journal, '2026/11/2026-11-02.md', '---\ntitle: Recovery week\ndate: 2026-11-02\ntags: [running]\n---\nLegs still heavy. A slow walk by the river.\n');
      await expect.poll(() => countValue(page, 'count-entries'), { timeout: WAIT }).toBe(entries + 1);
      await page.locator('#runs tr[data-trigger="watch"]').first().waitFor({ timeout: WAIT });
      expect(await sameDocument(page)).toBe(true);

      // Escape (the focus is still on the clicked row) closes the details.
      await manualRow.focus();
      await page.keyboard.press('Escape');
      await detail.waitFor({ state: 'hidden', timeout: WAIT });
      expect(await page.locator('#runs tr.selected').count()).toBe(0);

      // The README picture: settled and idle.
      await s.idle();
      await waitSettled(page);
      await page.locator('#runs tr[data-trigger="watch"][data-status="succeeded"]').first().waitFor({ timeout: WAIT });
      await page.waitForFunction(() => !document.querySelector('#runs tr[data-status="running"]') && document.getElementById('progress')?.hidden === true, undefined, { timeout: WAIT });
      await expect.poll(() => countValue(page, 'count-entries'), { timeout: WAIT }).toBe(entries + 1);
      await expect.poll(() => page.locator('#watcher-detail').textContent(), { timeout: WAIT }).toMatch(/[1-9]\d* files/);
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.mouse.move(0, 0);
      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true, animations: 'disabled' });
      expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);

      expect(pageErrors).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'renders journal text as text, never as HTML',
    async () => {
      const evilName = '<img src=x onerror=window.__xss=1>.md';
      const journal = makeJournal({
        [evilName]: '---\ntitle: [unclosed\n---\nBroken on purpose.\n',
        'script.md': '---\ntitle: <script>window.__xss=2</script>\ndate: 2026-11-01\n---\nHello.\n',
        'plain.md': '---\ntitle: Plain\n---\nNothing to see.\n',
      });
      const s = await startServe(journal);
      await s.idle();
      const browser = await launch();
      const { page, pageErrors, dialogs, requests } = await openPage(browser, s.url);

      await page.locator('#errors li.problem').first().waitFor({ timeout: WAIT });
      await waitSettled(page);
      const errorsText = (await page.locator('#errors').textContent()) ?? '';
      expect(errorsText).toContain('<img src=x');
      await expect.poll(() => page.locator('#errors li.problem .path').first().innerText(), { timeout: WAIT }).toContain('<img src=x onerror=window.__xss=1>.md');
      expect(await page.locator('#errors img').count()).toBe(0);

      // The run details list the same paths (events and errors).
      await page.locator('#runs tr[data-run-id]').first().click();
      const detail = page.locator('#run-detail');
      await detail.locator('.detail-facts').waitFor({ timeout: WAIT });
      expect(await detail.textContent()).toContain('<img src=x');
      expect(await detail.locator('img, script').count()).toBe(0);

      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
      expect(requests.filter((u) => new URL(u).pathname === '/x')).toEqual([]);
      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'works with --token when the page URL carries it, and says so when it does not',
    async () => {
      const journal = makeJournal({
        'a.md': '---\ntitle: A\ndate: 2026-11-01\n---\nOne.\n',
        'b.md': '---\ntitle: B\ndate: 2026-11-02\n---\nTwo.\n',
      });
      const s = await startServe(journal, ['--token', 't0k3n']);
      const browser = await launch();

      const ok = await openPage(browser, `${s.url}?token=t0k3n`);
      await waitSettled(ok.page);
      await expect.poll(() => countValue(ok.page, 'count-entries'), { timeout: WAIT }).toBe(2);
      // the live stream (EventSource) got through too
      await expect.poll(() => ok.page.locator('#live').getAttribute('data-live'), { timeout: WAIT }).toBe('live');
      await ok.page.locator('#runs tr[data-run-id]').first().waitFor({ timeout: WAIT });
      expect(await ok.page.locator('#banner').isHidden()).toBe(true);
      // the finder's requests carry the token too, and its addresses keep it in the URL
      await ok.page.locator('#search-input').fill('two');
      await ok.page.locator('#search-input').press('Enter');
      await expect.poll(() => ok.page.locator('#results .result-title').allTextContents(), { timeout: WAIT }).toEqual(['B']);
      await ok.page.locator('#results .result-title').click();
      await expect.poll(() => ok.page.locator('#entry .entry-title').textContent(), { timeout: WAIT }).toBe('B');
      expect(new URL(ok.page.url()).searchParams.get('token')).toBe('t0k3n');
      expect(ok.pageErrors).toEqual([]);

      const denied = await openPage(browser, s.url);
      const banner = denied.page.locator('#banner');
      await banner.waitFor({ state: 'visible', timeout: WAIT });
      expect(await banner.textContent()).toContain('--token');
      expect(await banner.textContent()).toContain('?token=');
      expect(await countValue(denied.page, 'count-entries')).toBeNull();
      expect((await denied.page.locator('#count-entries').textContent())?.trim()).toBe('–');
      expect(await denied.page.locator('#state').textContent()).not.toBe('idle');
      expect(await denied.page.locator('#runs tr').count()).toBe(0);
      expect(await denied.page.locator('#live').getAttribute('data-live')).not.toBe('live');
    },
    TEST_TIMEOUT,
  );

  it(
    'fits a phone screen without horizontal scrolling',
    async () => {
      const journal = copySample();
      const s = await startServe(journal);
      await s.idle();
      const browser = await launch();
      const { page, pageErrors } = await openPage(browser, s.url, { viewport: { width: 375, height: 800 } });

      await waitSettled(page);
      await page.locator('#errors li.problem').first().waitFor({ timeout: WAIT });
      await page.locator('#runs tr[data-run-id]').first().waitFor({ timeout: WAIT });
      await page.locator('#activity .day').first().waitFor({ timeout: WAIT });
      expect(await overflowX(page)).toBeLessThanOrEqual(1);

      // with a run's details open (long paths) as well
      await page.locator('#runs tr[data-run-id]').last().click();
      await page.locator('#run-detail .detail-facts').waitFor({ timeout: WAIT });
      expect(await overflowX(page)).toBeLessThanOrEqual(1);
      expect(pageErrors).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'a panel refused as busy (503 with Retry-After) is asked for again and shown',
    async () => {
      const journal = makeJournal({ 'a.md': '# A\n#alpha #beta\n', 'b.md': '# B\n#alpha\n' });
      const s = await startServe(journal);
      await s.idle();
      const browser = await launch();
      let tagRequests = 0;
      const { page, pageErrors } = await openPage(browser, s.url, {
        before: async (p) => {
          await p.route(
            (u) => u.pathname === '/api/tags',
            async (route) => {
              tagRequests++;
              if (tagRequests > 1) return route.continue();
              await route.fulfill({ status: 503, headers: { 'Retry-After': '1' }, contentType: 'application/json', body: JSON.stringify({ error: 'busy: too many requests are waiting for the index; try again shortly' }) });
            },
          );
        },
      });
      await page.locator('#tags-list li').first().waitFor({ timeout: WAIT });
      expect(await page.locator('#tags-list li').allTextContents()).toEqual([expect.stringContaining('alpha'), expect.stringContaining('beta')]);
      expect(tagRequests).toBe(2);
      expect(pageErrors).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
