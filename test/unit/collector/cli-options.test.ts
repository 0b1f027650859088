import { describe, expect, it } from 'vitest';
import { parseCliOptions } from '../../../src/collector/cli-options.js';

describe('parseCliOptions', () => {
  it('uses the defaults from shared/config.ts', () => {
    expect(parseCliOptions([], {})).toEqual({
      kind: 'run',
      options: { port: 8787, host: '127.0.0.1', db: 'data/homing.sqlite', origins: '*' },
    });
  });

  it('reads the environment, and flags win over it', () => {
    const env = { HOMING_PORT: '9000', HOMING_HOST: '0.0.0.0', HOMING_DB: '/var/h.sqlite', HOMING_ORIGINS: 'https://a.example' };
    expect(parseCliOptions([], env)).toEqual({
      kind: 'run',
      options: { port: 9000, host: '0.0.0.0', db: '/var/h.sqlite', origins: ['https://a.example'] },
    });
    expect(parseCliOptions(['--port', '9100', '--db=/tmp/x.sqlite', '--origins', 'https://b.example, http://localhost:5173'], env)).toEqual({
      kind: 'run',
      options: { port: 9100, host: '0.0.0.0', db: '/tmp/x.sqlite', origins: ['https://b.example', 'http://localhost:5173'] },
    });
  });

  it('treats * anywhere in the list as any origin', () => {
    expect(parseCliOptions(['--origins', 'https://a.example,*'], {})).toMatchObject({ options: { origins: '*' } });
  });

  it('answers help', () => {
    expect(parseCliOptions(['--help'], {})).toEqual({ kind: 'help' });
    expect(parseCliOptions(['-h'], {})).toEqual({ kind: 'help' });
  });

  it.each([
    [['--prot', '1'], /Unknown option '--prot'/],
    [['extra'], /positional/i],
    [['--port', 'http'], /invalid port "http"/],
    [['--port', '70000'], /invalid port "70000"/],
    [['--port', '-1'], /ambiguous/],
    [['--origins', 'https://a.example/'], /invalid origin "https:\/\/a.example\/".*e\.g\. https:\/\/a\.example/],
    [['--origins', 'shop.example'], /invalid origin "shop.example"/],
    [['--origins', ' , '], /at least one origin/],
    [['--db', ''], /db path must not be empty/],
  ])('refuses %j', (argv, message) => {
    const parsed = parseCliOptions(argv, {});
    expect(parsed.kind).toBe('error');
    expect(parsed.kind === 'error' && parsed.message).toMatch(message);
  });

  it('refuses a bad port from the environment too', () => {
    expect(parseCliOptions([], { HOMING_PORT: '87a' })).toEqual({ kind: 'error', message: expect.stringMatching(/invalid port "87a"/) });
  });
});
