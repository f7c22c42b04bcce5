/**
 * The entry resources of `inkdex mcp` (SPEC §5.1) with the SDK's Client: URIs with
 * percent-encoded segments (nested folders, spaces, `#`, `,`, `%`, accents) read back as
 * the note's current text; paging; what must be refused (notes not indexed, `..`,
 * symbolic links); and, beside a running `serve`, a subscription notified on an edit and
 * `list_changed` on an add.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, makeJournal, runCli, waitFor, writeFile } from './helpers.js';
import { startMcp, type StartedMcp } from './mcp-helpers.js';
import { startServe } from './serve-helpers.js';

afterEach(async () => {
  await cleanup.run();
});

const ODD_NAMES = ['people/Ann Lee.md', 'deep/a/b/c/note.md', 'odd/#hash, comma.md', 'odd/100% sure.md', 'odd/Début été.md', 'odd/a+b=c?.md'];

let journal: string;
let mcp: StartedMcp;

beforeAll(async () => {
  journal = fs.mkdtempSync(path.join(os.tmpdir(), 'inkdex-mcp-res-'));
  for (const name of ODD_NAMES) writeFile(journal, name, `# ${name}\nthe text of ${name}\n`);
  for (let i = 0; i < 205; i++) writeFile(journal, `many/n${String(i).padStart(3, '0')}.md`, `note ${i}\n`);
  writeFile(journal, 'swap.md', 'to be swapped\n');
  fs.writeFileSync(path.join(os.tmpdir(), `inkdex-outside-${process.pid}.md`), 'outside the journal\n');
  const sync = await runCli(['sync', journal], { timeoutMs: 60_000 });
  expect(sync.code, sync.stderr).toBe(0);
  mcp = await startMcp([journal], { shared: true });
}, 90_000);

afterAll(async () => {
  await mcp?.close();
  fs.rmSync(journal, { recursive: true, force: true });
  fs.rmSync(path.join(os.tmpdir(), `inkdex-outside-${process.pid}.md`), { force: true });
});

const uriOf = (rel: string): string => 'inkdex://entry/' + rel.split('/').map(encodeURIComponent).join('/');

describe('reading', { timeout: 60_000 }, () => {
  it.each(ODD_NAMES)('%s: its URI (segments percent-encoded) reads the current text as text/markdown', async (name) => {
    const { contents } = await mcp.client.readResource({ uri: uriOf(name) });
    expect(contents).toEqual([{ uri: uriOf(name), mimeType: 'text/markdown', text: `# ${name}\nthe text of ${name}\n` }]);
  });

  it('offers the template inkdex://entry/{+path}', async () => {
    const { resourceTemplates } = await mcp.client.listResourceTemplates();
    expect(resourceTemplates).toEqual([expect.objectContaining({ uriTemplate: 'inkdex://entry/{+path}', mimeType: 'text/markdown' })]);
  });

  it.each([
    ['a note that is not indexed', 'inkdex://entry/nope.md', /no entry at "nope\.md"/],
    ['a path out of the journal', 'inkdex://entry/..%2F..%2Fetc%2Fpasswd', /no entry/],
    // (URL parsing folds literal dot segments, so this asks for "etc/passwd" in the journal.)
    ['dot segments', 'inkdex://entry/people/../../../etc/passwd', /no entry at "etc\/passwd"/],
    ['a malformed escape', 'inkdex://entry/%E0%A4', /not an entry URI/],
    ['another scheme', 'file:///etc/passwd', /not found/],
  ])('refuses %s', async (_what, uri, message) => {
    await expect(mcp.client.readResource({ uri })).rejects.toThrow(message);
    // …and goes on answering.
    expect((await mcp.client.readResource({ uri: uriOf('swap.md') })).contents).toHaveLength(1);
  });

  it('does not follow a symbolic link put where an indexed note was', async () => {
    const note = path.join(journal, 'swap.md');
    fs.rmSync(note);
    fs.symlinkSync(path.join(os.tmpdir(), `inkdex-outside-${process.pid}.md`), note);
    try {
      await expect(mcp.client.readResource({ uri: uriOf('swap.md') })).rejects.toThrow(/symbolic link/);
    } finally {
      fs.rmSync(note);
      fs.writeFileSync(note, 'to be swapped\n');
    }
  });
});

describe('listing', { timeout: 60_000 }, () => {
  it('pages resources/list by path with nextCursor, each a note with its title', async () => {
    const first = await mcp.client.listResources();
    expect(first.resources).toHaveLength(200);
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(first.resources[0]).toEqual({ uri: uriOf('deep/a/b/c/note.md'), name: 'deep/a/b/c/note.md', title: 'deep/a/b/c/note.md', mimeType: 'text/markdown' });
    const second = await mcp.client.listResources({ cursor: first.nextCursor! });
    expect(second.nextCursor).toBeUndefined();
    const all = [...first.resources, ...second.resources].map((r) => r.name);
    expect(all).toHaveLength(ODD_NAMES.length + 205 + 1);
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort()).toEqual(all);
    await expect(mcp.client.listResources({ cursor: 'not a cursor!' })).rejects.toThrow(/invalid cursor/);
  });
});

describe('beside a running serve', { timeout: 60_000 }, () => {
  it('notifies a subscribed note\'s edit (resources/updated) and an added note (list_changed), within seconds', async () => {
    const dir = makeJournal({ 'people/Ann Lee.md': '# Ann\nfirst\n', 'other.md': '# Other\n' });
    const served = await startServe(dir, [], path.join(dir, '.inkdex', 'index.sqlite'));
    await served.idle();
    const client = await startMcp([dir]);
    const updated: string[] = [];
    let listChanged = 0;
    client.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
    client.client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void listChanged++);
    await client.client.subscribeResource({ uri: uriOf('people/Ann Lee.md') });

    writeFile(dir, 'other.md', '# Other\nedited, but nobody subscribed\n');
    writeFile(dir, 'people/Ann Lee.md', '# Ann\nsecond\n');
    await waitFor(() => updated.length > 0, { timeoutMs: 10_000, message: 'resources/updated' });
    expect(updated).toEqual([uriOf('people/Ann Lee.md')]);
    expect((await client.client.readResource({ uri: uriOf('people/Ann Lee.md') })).contents[0]).toMatchObject({ text: '# Ann\nsecond\n' });
    expect(listChanged).toBe(0);

    writeFile(dir, 'new.md', '# New\n');
    await waitFor(() => listChanged > 0, { timeoutMs: 10_000, message: 'list_changed' });
    await client.client.unsubscribeResource({ uri: uriOf('people/Ann Lee.md') });
    writeFile(dir, 'people/Ann Lee.md', '# Ann\nthird\n');
    await waitFor(async () => (await client.call('search', { query: 'third' })).total === 1, { timeoutMs: 10_000, message: 'the third edit indexed' });
    await new Promise((r) => setTimeout(r, 500));
    expect(updated).toHaveLength(1);
  });
});
