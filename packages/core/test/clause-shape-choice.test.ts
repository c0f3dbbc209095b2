import { describe, expect, it } from 'vitest';
import { chooseShape, pageWalkWins, PAGE_WALK_ROWS, SMALL_GRANT_SHARE } from '../src/extension.js';

describe('the shape chosen per dialect, purpose, grant size and position', () => {
  it('PostgreSQL: array or hashed for a small top-level grant, exists for a large one, never array under OR/NOT', () => {
    expect(chooseShape('postgres', 'page', 'small')).toBe('array');
    expect(chooseShape('postgres', 'page', 'small', false, true)).toBe('hashed');
    expect(chooseShape('postgres', 'count', 'small', false, true)).toBe('array');
    expect(chooseShape('postgres', 'page', 'large')).toBe('exists');
    expect(chooseShape('postgres', 'count', 'large')).toBe('exists');
    // Under OR/NOT: a probe per walked row for a large set's first page, a hashed exists otherwise.
    expect(chooseShape('postgres', 'page', 'large', true)).toBe('probe');
    expect(chooseShape('postgres', 'page', 'small', true, true)).toBe('exists');
    expect(chooseShape('postgres', 'count', 'large', true)).toBe('exists');
    expect(chooseShape('postgres', 'count', 'small', true)).toBe('exists');
  });

  it('MariaDB/MySQL: in for a small grant with few members, a probe when walking wins; SQLite: exists', () => {
    expect(chooseShape('mysql', 'page', 'small')).toBe('in');
    expect(chooseShape('mysql', 'page', 'small', false, true)).toBe('probe');
    for (const walk of [false, true]) {
      expect(chooseShape('mysql', 'page', 'small', true, walk)).toBe('probe');
      expect(chooseShape('mysql', 'page', 'large', false, walk)).toBe('probe');
      expect(chooseShape('mysql', 'count', 'small', false, walk)).toBe('exists');
      expect(chooseShape('sqlite', 'page', 'small', false, walk)).toBe('exists');
    }
  });

  it('walking the host index order wins once the members exceed sqrt(PAGE_WALK_ROWS * contacts)', () => {
    const contacts = 1_000_000;
    const edge = Math.sqrt(PAGE_WALK_ROWS * contacts);
    expect(pageWalkWins(Math.floor(edge), contacts)).toBe(false);
    expect(pageWalkWins(Math.ceil(edge) + 1, contacts)).toBe(true);
    expect(pageWalkWins(9_600, contacts)).toBe(true); // the benchmark's 1% group
    expect(pageWalkWins(960, contacts)).toBe(false); // its 0.1% group
    // Small worlds never reach it below the small-grant share (walking is cheap there anyway).
    expect(pageWalkWins(Math.floor(10_000 * SMALL_GRANT_SHARE), 10_000)).toBe(false);
    expect(pageWalkWins(0, 0)).toBe(false);
  });
});
