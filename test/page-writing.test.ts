/**
 * The page's Writing panel (issue 17): words today and this week and the streak, as the
 * test counts them from the days it faked (`inkdex sync` on three days, then `serve` on
 * a fourth, INKDEX_TEST_CLOCK_SHIFT_MS); a chart whose days lead to their changes by
 * keyboard and by pointer; the figures follow a live edit. A real `serve` child process
 * and Debian's Chromium, under the server's Content-Security-Policy.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, makeJournal, runCli, tmpDir } from './helpers.js';
import { startServe } from './serve-helpers.js';
import { hashOf, launch, openPage, TEST_TIMEOUT, WAIT, waitSettled } from './browser-helpers.js';

afterEach(() => cleanup.run());

const words = (n: number, w = 'word'): string => Array.from({ length: n }, (_, i) => `${w}${i}`).join(' ') + '\n';
/** The clock shift that makes it `instant` (UTC; the child runs in UTC) now. */
const at = (instant: string): Record<string, string> => ({ TZ: 'UTC', INKDEX_TEST_CLOCK_SHIFT_MS: String(Date.parse(instant) - Date.now()) });

describe('the Writing panel', () => {
  it(
    'shows today, this week and the streak, charts the year, and leads from a day to its changes',
    async () => {
      const root = makeJournal({ 'a.md': words(20), 'b.md': words(30) });
      const db = path.join(tmpDir('inkdex-db-'), 'index.sqlite');
      const sync = async (instant: string): Promise<void> => {
        const r = await runCli(['sync', root, '--db', db], { env: at(instant) });
        expect(r.code, r.stderr).toBe(0);
      };
      // Monday 11 March 2024: the first sync (its 50 words were written before: not counted).
      await sync('2024-03-11T09:00:00Z');
      // Tuesday: a new note of 10 words. Wednesday: 3 more words in a.md.
      fs.writeFileSync(path.join(root, 'c.md'), words(10, 'cee'));
      await sync('2024-03-12T09:00:00Z');
      fs.writeFileSync(path.join(root, 'a.md'), words(23));
      await sync('2024-03-13T09:00:00Z');
      // Thursday: 5 more words in b.md, found by serve's startup sync.
      fs.writeFileSync(path.join(root, 'b.md'), words(35));
      const s = await startServe(root, [], db, { env: at('2024-03-14T09:00:00Z') });
      await s.idle();

      const browser = await launch();
      const { page, pageErrors, dialogs, cspViolations } = await openPage(browser, s.url, { csp: true });
      await waitSettled(page);
      const text = (id: string): Promise<string> => page.locator(`#${id}`).innerText();
      // Today 5; this week (from Monday) 10 + 3 + 5; three days in a row with words.
      await expect.poll(() => text('words-today'), { timeout: WAIT }).toBe('5');
      expect(await text('words-week')).toBe('18');
      expect(await text('streak')).toBe('3');
      expect(await text('streak-longest')).toBe('in a row with words written · longest 3 days');
      // The chart: a bar for each day with words added, and the notes line.
      expect(await page.locator('#writing-chart .writing-added rect').count()).toBe(3);
      expect(await page.locator('#writing-chart .writing-notes').count()).toBe(1);

      // By keyboard: the chart starts on today; two days back is Tuesday; Enter opens its changes.
      await page.locator('#writing-chart').focus();
      await expect.poll(() => text('writing-caption'), { timeout: WAIT }).toContain('Thu, Mar 14, 2024: 5 words added, 0 removed');
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('ArrowLeft');
      expect(await text('writing-caption')).toContain('Tue, Mar 12, 2024: 10 words added');
      await page.keyboard.press('Enter');
      await expect.poll(() => hashOf(page), { timeout: WAIT }).toBe('/changes/2024-03-12');
      await expect.poll(() => page.locator('#changes .event').allInnerTexts(), { timeout: WAIT }).toEqual([expect.stringMatching(/added\s+c\.md/)]);
      expect(await text('changes-status')).toContain('1 change · 10 words added, 0 removed · 3 notes at the end of the day');
      expect(await page.title()).toContain('Changes on Tue, Mar 12, 2024');
      // The path leads to its entry.
      await page.locator('#changes .event a.entry-link').click();
      await expect.poll(() => hashOf(page), { timeout: WAIT }).toMatch(/^\/entry\/\d+$/);
      await expect.poll(() => text('entry-title'), { timeout: WAIT }).toBe('c');

      // By pointer: the chart's last column is today.
      await page.goBack();
      await page.goBack();
      await page.locator('#dashboard').waitFor({ state: 'visible', timeout: WAIT });
      const box = (await page.locator('#writing-chart svg').boundingBox())!;
      await page.mouse.move(box.x + box.width - 1, box.y + box.height / 2);
      expect(await text('writing-caption')).toContain('Thu, Mar 14, 2024');
      await page.mouse.click(box.x + box.width - 1, box.y + box.height / 2);
      await expect.poll(() => hashOf(page), { timeout: WAIT }).toBe('/changes/2024-03-14');
      await expect.poll(() => page.locator('#changes .event').allInnerTexts(), { timeout: WAIT }).toEqual([expect.stringMatching(/updated\s+b\.md/)]);
      // A day inkdex did not run on says so.
      await page.evaluate(() => (location.hash = '#/changes/2024-03-10'));
      await expect.poll(() => text('changes-status'), { timeout: WAIT }).toContain('inkdex did not run on this day');

      // A live edit: 7 more words, and the panel follows when the run finishes.
      await page.evaluate(() => (location.hash = '#/'));
      fs.writeFileSync(path.join(root, 'b.md'), words(42));
      await expect.poll(() => text('words-today'), { timeout: WAIT }).toBe('12');
      expect(await text('words-week')).toBe('25');

      expect(pageErrors).toEqual([]);
      expect(dialogs).toEqual([]);
      expect(await cspViolations()).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
