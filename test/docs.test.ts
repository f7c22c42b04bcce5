/**
 * What the README and docs/ tell users to run works: the "Queries a journal keeper runs"
 * examples, the systemd unit, the MCP config and each tool's example.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { cleanup, makeJournal, query, REPO_ROOT, runCli, tmpDir } from './helpers.js';
import { startMcp } from './mcp-helpers.js';

afterEach(() => cleanup.run());

const README = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

/** The SQL statement under the `-- TITLE` comment in the README's query examples. */
function readmeQuery(title: string): string {
  const start = README.indexOf(`-- ${title}`);
  expect(start, `README has a query "${title}"`).toBeGreaterThan(-1);
  const end = README.indexOf(';', start);
  return README.slice(README.indexOf('\n', start) + 1, end + 1);
}

it("the README's open-tasks query lists the oldest first and undated notes last", { timeout: 60_000 }, async () => {
  const journal = makeJournal({
    'ideas.md': '# Ideas\n- [ ] undated task\n',
    'daily/2024-03-02.md': '# Day\n- [ ] later task\n- [x] done task\n',
    'daily/2024-01-05.md': '# Day\n- [ ] early task\n',
  });
  const db = path.join(tmpDir(), 'index.sqlite');
  const res = await runCli(['sync', journal, '--db', db], { timeoutMs: 30_000 });
  expect(res.code, res.stderr).toBe(0);
  const rows = query<{ date: string | null; path: string; text: string }>(db, readmeQuery('Open tasks, oldest first'));
  expect(rows.map((r) => [r.date, r.text])).toEqual([
    ['2024-01-05', 'early task'],
    ['2024-03-02', 'later task'],
    [null, 'undated task'],
  ]);
});

it('the systemd unit in docs/service.md restarts on failure and names its log', () => {
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'service.md'), 'utf8');
  const unit = /```ini\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  expect(unit).toMatch(/^\[Service\]$/m);
  expect(unit).toMatch(/^ExecStart=\S*inkdex serve /m);
  expect(unit).toMatch(/^Restart=on-failure$/m);
  expect(unit).toMatch(/^RestartPreventExitStatus=2$/m);
  expect(unit).toMatch(/^WantedBy=default\.target$/m);
  expect(doc).toContain('journalctl --user -u inkdex');
  expect(README).toContain('journalctl --user -u inkdex');
});

it("the README's MCP config parses, and each tool's example arguments get an answer", { timeout: 60_000 }, async () => {
  const config = /```json\n(\{\n {2}"mcpServers"[\s\S]*?)```/.exec(README)?.[1];
  expect(JSON.parse(config ?? 'null')).toEqual({ mcpServers: { journal: { command: 'inkdex', args: ['mcp', '/home/me/journal'] } } });
  const examples = [...README.matchAll(/^\| `(\w+)` \| `(\{.*?\})` \|/gm)].map((m) => ({ tool: m[1]!, args: JSON.parse(m[2]!) as Record<string, unknown> }));
  expect(examples.map((e) => e.tool)).toEqual(['search', 'read_entry', 'list_entries', 'recent_changes', 'list_tags', 'tasks', 'journal_status', 'writing_stats']);
  const journal = makeJournal({
    '2024-05-02.md': '---\ntags: [work, project/alpha]\n---\nThe standup about alpha.\n- [ ] write the notes #work\n',
    'people/Ann Lee.md': '---\nstatus: active\n---\n# Ann Lee\n',
  });
  const mcp = await startMcp([journal]);
  for (const { tool, args } of examples) {
    const result = await mcp.raw(tool, args);
    expect(result.isError, `${tool} ${JSON.stringify(args)}: ${JSON.stringify(result.content)}`).toBeFalsy();
  }
  expect((await mcp.call('search', examples[0]!.args)).total).toBe(1);
  expect((await mcp.call('list_entries', examples[2]!.args)).total).toBe(1);
});
