import { describe, expect, it } from 'vitest';
import { splitRange } from '../../../../src/collector/reports/answers.js';

describe('splitRange', () => {
  it('cuts a range into adjacent half-open pieces that cover it exactly', () => {
    expect(splitRange({ from: 0, to: 10 }, 2)).toEqual([{ from: 0, to: 5 }, { from: 5, to: 10 }]);
    expect(splitRange({ from: 1, to: 8 }, 3)).toEqual([{ from: 1, to: 3 }, { from: 3, to: 5 }, { from: 5, to: 8 }]);
    expect(splitRange({ from: 5, to: 6 }, 2)).toEqual([{ from: 5, to: 6 }]);
    expect(splitRange({ from: 5, to: 5 }, 2)).toEqual([{ from: 5, to: 5 }]);
  });
});
