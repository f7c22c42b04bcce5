/**
 * Obsidian's rules through `inkdex mcp` (issue 19 with issue 18's tools): read_entry finds
 * a note by an alias and shows its fields, headings, task dates and link anchors; the
 * tasks tool answers by due date; list_entries filters by a field written inline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, makeJournal } from './helpers.js';
import { startMcp } from './mcp-helpers.js';

afterEach(() => cleanup.run());

describe("Obsidian's rules through MCP", { timeout: 60_000 }, () => {
  it('read_entry by alias, with fields, headings, tasks and anchors; tasks by due date; list_entries by an inline field', async () => {
    const journal = makeJournal({
      'people/Ann Lee.md': '---\naliases: [Annie]\n---\n# Ann Lee\n\n## Work\n\n- [ ] ask Ann 📅 2024-06-09 ⏫\n',
      'days/2024-06-01.md': '# Saturday\n\nmood:: 8\nMet [[Ann Lee#Work]] and [[Ann Lee#Nope]].\n\n- [ ] call Ann [due:: 2024-06-05]\n- [ ] someday\n',
    });
    const mcp = await startMcp([journal, '--db', `${journal}/.inkdex/index.sqlite`]);
    const ann = await mcp.call('read_entry', { title: 'annie' });
    expect(ann).toMatchObject({ path: 'people/Ann Lee.md', aliases: ['Annie'], headings: [{ level: 1, text: 'Ann Lee', line: 4 }, { level: 2, text: 'Work', line: 6 }] });
    expect(ann.tasks).toEqual([{ line: 8, text: 'ask Ann 📅 2024-06-09 ⏫', done: false, due: '2024-06-09', scheduled: null, doneDate: null, priority: 'high' }]);
    const day = await mcp.call('read_entry', { path: 'days/2024-06-01.md' });
    expect(day.fields).toEqual([{ key: 'mood', value: '8', type: 'number' }]);
    expect(day.links).toEqual([
      { target: 'Ann Lee', kind: 'wiki', anchor: 'Work', targetPath: 'people/Ann Lee.md' },
      { target: 'Ann Lee', kind: 'wiki', anchor: 'Nope', targetPath: 'people/Ann Lee.md' },
    ]);
    const tasks = await mcp.call('tasks', { status: 'open' });
    expect(tasks.tasks.map((t: { text: string; due: string | null }) => [t.text, t.due])).toEqual([
      ['call Ann [due:: 2024-06-05]', '2024-06-05'],
      ['ask Ann 📅 2024-06-09 ⏫', '2024-06-09'],
      ['someday', null],
    ]);
    expect((await mcp.call('tasks', { status: 'open', due_before: '2024-06-06' })).tasks).toHaveLength(1);
    expect((await mcp.call('list_entries', { field: 'mood:8' })).entries.map((e: { path: string }) => e.path)).toEqual(['days/2024-06-01.md']);
  });
});
