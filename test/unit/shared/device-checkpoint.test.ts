import { describe, expect, it } from 'vitest';
import { CHECKPOINT_COOKIE, formatCheckpoint, readCheckpoint } from '../../../src/shared/device-checkpoint.js';

const device = { anonymousId: '0193a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b', seq: 1234, pending: 56 };

describe('device checkpoint cookie', () => {
  it('reads back what it wrote, among other cookies', () => {
    const cookies = `a=1; ${CHECKPOINT_COOKIE}=${formatCheckpoint(device)}; session=xyz`;
    expect(readCheckpoint(cookies)).toEqual(device);
    expect(readCheckpoint(`${CHECKPOINT_COOKIE}=${formatCheckpoint(device)}`)).toEqual(device);
  });

  it.each([
    ['no cookies', ''],
    ['undefined', undefined],
    ['another cookie of a similar name', `x${CHECKPOINT_COOKIE}=${formatCheckpoint(device)}`],
    ['a removed cookie', `${CHECKPOINT_COOKIE}=`],
    ['two parts', `${CHECKPOINT_COOKIE}=abcdefgh.12`],
    ['a negative number', `${CHECKPOINT_COOKIE}=abcdefgh.-1.0`],
    ['a fraction', `${CHECKPOINT_COOKIE}=abcdefgh.1.5.0`],
    ['a number past 2^53', `${CHECKPOINT_COOKIE}=abcdefgh.9007199254740993.0`],
    ['an id with other characters', `${CHECKPOINT_COOKIE}=<script>.1.0`],
    ['an id too short', `${CHECKPOINT_COOKIE}=abc.1.0`],
  ])('is null for %s', (_label, cookies) => {
    expect(readCheckpoint(cookies)).toBeNull();
  });
});
