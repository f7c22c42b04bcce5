/**
 * What the README and docs/ tell users to run works: the "Queries a journal keeper runs"
 * examples and the systemd unit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { cleanup, makeJournal, query, REPO_ROOT, runCli, tmpDir } from './helpers.js';

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
