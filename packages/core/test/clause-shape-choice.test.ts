import { describe, expect, it } from 'vitest';
import { chooseShape, hashedBeatsArray, PAGE_WALK_ROWS, SMALL_GRANT_SHARE } from '../src/extension.js';

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

  it('MariaDB/MySQL and SQLite keep their rules; hashed is PostgreSQL-only', () => {
    for (const hashed of [false, true]) {
      expect(chooseShape('mysql', 'page', 'small', false, hashed)).toBe('in');
      expect(chooseShape('mysql', 'page', 'small', true, hashed)).toBe('probe');
      expect(chooseShape('mysql', 'page', 'large', false, hashed)).toBe('probe');
      expect(chooseShape('mysql', 'count', 'small', false, hashed)).toBe('exists');
      expect(chooseShape('sqlite', 'page', 'small', false, hashed)).toBe('exists');
    }
  });

  it('hashed beats array once the members exceed sqrt(PAGE_WALK_ROWS * contacts)', () => {
    const contacts = 1_000_000;
    const edge = Math.sqrt(PAGE_WALK_ROWS * contacts);
    expect(hashedBeatsArray(Math.floor(edge), contacts)).toBe(false);
    expect(hashedBeatsArray(Math.ceil(edge) + 1, contacts)).toBe(true);
    expect(hashedBeatsArray(9_600, contacts)).toBe(true); // the benchmark's 1% group
    expect(hashedBeatsArray(960, contacts)).toBe(false); // its 0.1% group
    // Small worlds never reach it below the small-grant share (walking is cheap there anyway).
    expect(hashedBeatsArray(Math.floor(10_000 * SMALL_GRANT_SHARE), 10_000)).toBe(false);
    expect(hashedBeatsArray(0, 0)).toBe(false);
  });
});
