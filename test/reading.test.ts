/**
 * The readers' pure helpers: argument normalisation, body paging (core/reading.ts) and
 * close matches for a name that matches nothing (core/close-matches.ts).
 */
import { describe, expect, it } from 'vitest';
import { closeMatches } from '../src/core/close-matches.js';
import { isCalendarDate, isSince, normaliseFolder, normaliseTag, pageBody, parseFieldFilter, sinceKey } from '../src/core/reading.js';
import type { EntryRead } from '../src/core/seam.js';

describe('arguments', () => {
  it.each([
    ['#Work', 'work'],
    [' Début ', 'début'],
    ['Project/Alpha', 'project/alpha'],
  ])('tag %j → %j', (raw, tag) => expect(normaliseTag(raw)).toBe(tag));

  it.each([
    ['/people/', 'people'],
    ['./work/2024', 'work/2024'],
    ['a\\b\\', 'a/b'],
    ['', ''],
  ])('folder %j → %j', (raw, folder) => expect(normaliseFolder(raw)).toBe(folder));

  it('field filters: key, key:value (the value may hold colons), nothing without a key', () => {
    expect(parseFieldFilter('status')).toEqual({ key: 'status', value: null });
    expect(parseFieldFilter('time: 10:30')).toEqual({ key: 'time', value: '10:30' });
    expect(parseFieldFilter(':x')).toBeNull();
  });

  it('dates are real calendar days; since is a day or a date-time', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(isCalendarDate('2024-1-5')).toBe(false);
    expect(isSince('2024-05-01T09:00:00Z')).toBe(true);
    expect(isSince('2024-05-01T09:00')).toBe(true);
    expect(isSince('yesterday')).toBe(false);
    expect(isSince('2024-13-01T00:00:00Z')).toBe(false);
    expect(sinceKey('2024-05-01T09:00:00+02:00')).toBe('2024-05-01T07:00:00.000Z');
    expect(sinceKey('2024-05-01')).toBe(new Date(2024, 4, 1).toISOString());
  });
});

describe('pageBody', () => {
  const entry = (body: string): EntryRead => ({
    id: 1, path: 'a.md', title: 'a', date: null, tags: [], aliases: [], frontmatter: {}, fields: [], tasks: [], headings: [], links: [], backlinks: [], body,
  });

  it('pages by characters and says whether more follows', () => {
    expect(pageBody(entry('abcdef'), 0, 4)).toMatchObject({ body: 'abcd', bodyLength: 6, truncated: true });
    expect(pageBody(entry('abcdef'), 4, 4)).toMatchObject({ body: 'ef', truncated: false });
    expect(pageBody(entry('abcdef'), 10, 4)).toMatchObject({ body: '', truncated: false });
  });

  it('never splits an emoji in two', () => {
    const body = 'a🐈b'; // 🐈 is two code units
    expect(pageBody(entry(body), 0, 2).body).toBe('a');
    expect(pageBody(entry(body), 2, 2).body).toBe('🐈');
    expect(pageBody(entry(body), 1, 1).body).toBe('🐈');
  });
});

describe('closeMatches', () => {
  const entries = [
    { id: 1, path: 'people/Ann Lee.md', title: 'Ann Lee' },
    { id: 2, path: 'people/Bob.md', title: 'Bob' },
    { id: 3, path: 'work/2024-05-01.md', title: 'Standup notes' },
    { id: 4, path: 'work/annual review.md', title: 'Annual review' },
  ];

  it('finds typos, missing folders and extensions, best first', () => {
    expect(closeMatches('Ann Le', entries, 5).map((e) => e.id)[0]).toBe(1);
    expect(closeMatches('stand-up notes', entries, 5).map((e) => e.id)).toEqual([3]);
    expect(closeMatches('bob', entries, 5).map((e) => e.id)).toEqual([2]);
  });

  it('offers nothing for a name like none, and at most `limit`', () => {
    expect(closeMatches('zzzz', entries, 5)).toEqual([]);
    expect(closeMatches('a', entries, 1)).toHaveLength(1);
  });
});
