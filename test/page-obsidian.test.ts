/**
 * Obsidian's rules on the page (issue 19): the entry view shows aliases, headings, fields
 * (leading to the entries that share them), task dates and links with their anchors; the
 * dashboard has the next open tasks and the fields in use with a filter; `#/tasks` lists
 * the open tasks by due date, each leading to its note; `#/field/key?value=v` lists the
 * entries with a field. A real `serve` child process and Debian's Chromium.
 */
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, makeJournal, writeFile } from './helpers.js';
import { entryAt, startServe } from './serve-helpers.js';
import { hashOf, launch, openPage, overflowX, sameDocument, TEST_TIMEOUT, WAIT, waitSettled } from './browser-helpers.js';

afterEach(() => cleanup.run());

const MARKUP = '<b>bold</b>';

function vault(): string {
  return makeJournal({
    'people/Ann Lee.md': '---\naliases: [Annie, A. Lee]\nrole: editor\n---\n# Ann Lee\n\n## Early life\n\n## Work\n\n- [ ] ask Ann about the garden 📅 2999-03-01\n',
    'days/2024-06-01.md':
      `---\nmood: 7\ntags: [daily]\n---\n# Saturday\n\nMet [[Ann Lee#Work]] and [[Ann Lee#Holidays]]. [note:: ${MARKUP}]\n\n` +
      '- [ ] send the draft 📅 2020-01-03 ⏫\n- [ ] water the plants\n- [x] buy bread ✅ 2024-06-01\n',
    'days/2024-06-02.md': '---\nmood: 4\ntags: [daily]\n---\n# Sunday\n\n- [ ] call Ann [due:: 2999-01-10]\n',
  });
}

async function waitHash(page: Page, want: string): Promise<void> {
  await expect.poll(() => hashOf(page), { timeout: WAIT }).toBe(want);
}

async function entryTitle(page: Page): Promise<string> {
  await page.locator('#entry-view:not([hidden]) .entry-head').waitFor({ timeout: WAIT });
  return (await page.locator('#entry-title').textContent()) ?? '';
}

describe("Obsidian's rules on the page", () => {
  it(
    'the next open tasks lead to their notes; an entry shows aliases, headings, fields, task dates and anchors; fields filter the journal',
    async () => {
      const journal = vault();
      const s = await startServe(journal);
      await s.idle();
      const ann = (await entryAt(s, 'people/Ann Lee.md'))!.id;
      const saturday = (await entryAt(s, 'days/2024-06-01.md'))!.id;
      const browser = await launch();
      const { page, pageErrors, dialogs } = await openPage(browser, s.url, { csp: true });
      await waitSettled(page);

      // The dashboard: the open tasks, the soonest due first (an overdue one marked), undated last.
      const due = page.locator('#due-panel');
      await expect.poll(() => due.locator('.task-text').allTextContents(), { timeout: WAIT }).toEqual([
        'send the draft 📅 2020-01-03 ⏫',
        'call Ann [due:: 2999-01-10]',
        'ask Ann about the garden 📅 2999-03-01',
        'water the plants',
      ]);
      expect(await due.locator('#due-summary').textContent()).toContain('4 open tasks');
      expect(await due.locator('.task[data-overdue="true"] .task-text').allTextContents()).toEqual(['send the draft 📅 2020-01-03 ⏫']);
      expect(await due.locator('.task').first().locator('.task-priority').textContent()).toBe('high priority');

      // A task leads to its note.
      await due.locator('.task', { hasText: 'ask Ann' }).locator('a.task-note').click();
      await waitHash(page, `/entry/${ann}`);
      await expect.poll(() => entryTitle(page), { timeout: WAIT }).toBe('Ann Lee');
      const entry = page.locator('#entry');
      expect(await entry.locator('.entry-aliases .alias').allTextContents()).toEqual(['Annie', 'A. Lee']);
      expect(await entry.locator('.heading-item .heading-text').allTextContents()).toEqual(['Ann Lee', 'Early life', 'Work']);
      expect(await entry.locator('.heading-item').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.level))).toEqual(['1', '2', '2']);
      expect(await entry.locator('.field-row dt').allTextContents()).toEqual(['aliases', 'aliases', 'role']);
      expect(await entry.locator('.task .task-due time').textContent()).toBeTruthy();

      // Saturday: its anchored links, one to a heading Ann's note does not have.
      await page.goto(`${s.url}#/entry/${saturday}`);
      await expect.poll(() => entryTitle(page), { timeout: WAIT }).toBe('Saturday');
      const links = entry.locator('.entry-links li');
      expect(await links.locator('.link-target').allTextContents()).toEqual(['[[Ann Lee#Work]]', '[[Ann Lee#Holidays]]']);
      expect(await links.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.anchorOk))).toEqual(['true', 'false']);
      expect(await entry.locator('.anchor-badge').allTextContents()).toEqual(['no such heading']);
      // Journal text is text: a field value with markup is not HTML.
      expect(await entry.locator('.field-row', { has: page.locator('dt', { hasText: /^note$/ }) }).locator('.field-value').textContent()).toBe(MARKUP);
      expect(await page.locator('#entry b').count()).toBe(0);
      const moodRow = entry.locator('.field-row', { has: page.locator('dt', { hasText: /^mood$/ }) });
      expect(await moodRow.locator('.field-type').textContent()).toBe('number');

      // A field's value leads to the entries that share it.
      await moodRow.locator('a.field-value').click();
      await waitHash(page, '/field/mood?value=7');
      await expect.poll(() => page.locator('#results .result-title').allTextContents(), { timeout: WAIT }).toEqual(['Saturday']);
      expect(await page.locator('#results-title').textContent()).toBe('Entries where mood is 7');

      // The dashboard's field filter: a key, then a value or none.
      await page.goto(`${s.url}#/`);
      await waitSettled(page);
      const fields = page.locator('#fields-panel');
      await expect.poll(() => fields.locator('.field-link .field-key').allTextContents(), { timeout: WAIT }).toEqual(expect.arrayContaining(['mood', 'tags', 'note', 'role']));
      await fields.locator('#field-key').selectOption('mood');
      await fields.locator('#field-value').fill('4');
      await fields.locator('button[type="submit"]').click();
      await waitHash(page, '/field/mood?value=4');
      await expect.poll(() => page.locator('#results .result-title').allTextContents(), { timeout: WAIT }).toEqual(['Sunday']);
      await page.goBack();
      await waitHash(page, '/');
      await fields.locator('.field-link', { hasText: 'mood' }).click();
      await waitHash(page, '/field/mood');
      await expect.poll(() => page.locator('#results .result-title').allTextContents(), { timeout: WAIT }).toEqual(['Sunday', 'Saturday']);

      // All open tasks, each leading to its note.
      await page.goto(`${s.url}#/`);
      await waitSettled(page);
      await page.locator('#due-all').click();
      await waitHash(page, '/tasks');
      const tasks = page.locator('#tasks-view');
      await expect.poll(() => tasks.locator('.task-note').allTextContents(), { timeout: WAIT }).toEqual(['Saturday', 'Sunday', 'Ann Lee', 'Saturday']);
      expect(await tasks.locator('#tasks-status').textContent()).toContain('4 open tasks');
      expect(await page.locator('#tasks-title').evaluate((el) => document.activeElement === el)).toBe(true);
      await tasks.locator('.task', { hasText: 'call Ann' }).locator('a.task-note').click();
      await expect.poll(() => entryTitle(page), { timeout: WAIT }).toBe('Sunday');

      // A new task shows in the open list as soon as it is indexed, with no reload.
      await page.goto(`${s.url}#/tasks`);
      await expect.poll(() => tasks.locator('.task').count(), { timeout: WAIT }).toBe(4);
      writeFile(journal, 'days/2024-06-03.md', '# Monday\n\n- [ ] renew the passport 📅 2000-01-01\n');
      await expect.poll(() => tasks.locator('.task-text').first().textContent(), { timeout: WAIT }).toBe('renew the passport 📅 2000-01-01');
      expect(await sameDocument(page)).toBe(true);

      // A phone-sized screen: no sideways scrolling in these views.
      await page.setViewportSize({ width: 375, height: 800 });
      expect(await overflowX(page)).toBeLessThanOrEqual(0);
      await page.goto(`${s.url}#/entry/${saturday}`);
      await expect.poll(() => entryTitle(page), { timeout: WAIT }).toBe('Saturday');
      expect(await overflowX(page)).toBeLessThanOrEqual(0);
      await page.goto(`${s.url}#/`);
      await waitSettled(page);
      expect(await overflowX(page)).toBeLessThanOrEqual(0);

      expect(pageErrors).toEqual([]);
      expect(dialogs).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
