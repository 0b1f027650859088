import { describe, expect, it } from 'vitest';
import { parseCliOptions, type CliOptions } from '../../../src/collector/cli-options.js';

const DEFAULTS: CliOptions = {
  port: 8787,
  host: '127.0.0.1',
  db: 'data/homing.sqlite',
  origins: '*',
  keys: [],
  keysFile: null,
  keepIp: false,
  trustedProxies: [],
  rateLimitPerIp: 5_000,
  rateLimitPerKey: 10_000,
  tls: null,
  logLevel: 'info',
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  clickhouseBatchRows: 20_000,
  clickhouseBatchMs: 50,
  demoControls: false,
  conventions: 'flag',
  schemas: [],
};

const SECRET = 'Zm9vYmFyYmF6cXV4cXV1eA';
const ADMIN = 'admin-0123456789abcdef';

describe('parseCliOptions', () => {
  it('uses the defaults from shared/config.ts', () => {
    expect(parseCliOptions([], {})).toEqual({ kind: 'run', options: DEFAULTS });
  });

  it('reads the environment, and flags win over it', () => {
    const env = {
      HOMING_PORT: '9000', HOMING_HOST: '0.0.0.0', HOMING_DB: '/var/h.sqlite', HOMING_ORIGINS: 'https://a.example',
      HOMING_WRITE_KEYS: 'wk_a', HOMING_ADMIN_KEY: ADMIN, HOMING_S2S_KEYS: `${SECRET},${SECRET}2`, HOMING_KEYS_FILE: '/etc/keys',
      HOMING_KEEP_IP: '1', HOMING_TRUSTED_PROXIES: '10.0.0.0/8,loopback', HOMING_RATE_LIMIT_IP: '100', HOMING_RATE_LIMIT_KEY: '0',
      HOMING_TLS_CERT: '/c.pem', HOMING_TLS_KEY: '/k.pem', HOMING_LOG_LEVEL: 'warn', HOMING_HEADERS_TIMEOUT: '2000', HOMING_REQUEST_TIMEOUT: '5000',
      HOMING_CH_BATCH_ROWS: '500', HOMING_CH_BATCH_MS: '0',
    };
    expect(parseCliOptions([], env)).toEqual({
      kind: 'run',
      options: {
        port: 9000,
        host: '0.0.0.0',
        db: '/var/h.sqlite',
        origins: ['https://a.example'],
        keys: [
          { kind: 'write', key: 'wk_a', label: 'HOMING_WRITE_KEYS' },
          { kind: 'admin', key: ADMIN, label: 'HOMING_ADMIN_KEY' },
          { kind: 's2s', key: SECRET, label: 'HOMING_S2S_KEYS' },
          { kind: 's2s', key: `${SECRET}2`, label: 'HOMING_S2S_KEYS' },
        ],
        keysFile: '/etc/keys',
        keepIp: true,
        trustedProxies: ['10.0.0.0/8', 'loopback'],
        rateLimitPerIp: 100,
        rateLimitPerKey: 0,
        tls: { cert: '/c.pem', key: '/k.pem' },
        logLevel: 'warn',
        headersTimeoutMs: 2000,
        requestTimeoutMs: 5000,
        clickhouseBatchRows: 500,
        clickhouseBatchMs: 0,
        demoControls: false,
        conventions: 'flag',
        schemas: [],
      },
    });
    const flags = [
      '--port', '9100', '--db=/tmp/x.sqlite', '--origins', 'https://b.example, http://localhost:5173', '--write-keys', 'wk_b,wk_c',
      '--admin-key', `${ADMIN}x`, '--keys-file', '/k2', '--trusted-proxies', '::1', '--rate-limit-ip', '7', '--rate-limit-key', '8',
      '--tls-cert', '/c2', '--tls-key', '/k2.pem', '--log-level', 'debug', '--headers-timeout', '100', '--request-timeout', '200',
      '--ch-batch-rows', '1000', '--ch-batch-ms', '20',
    ];
    expect(parseCliOptions(flags, env)).toEqual({
      kind: 'run',
      options: {
        port: 9100,
        host: '0.0.0.0',
        db: '/tmp/x.sqlite',
        origins: ['https://b.example', 'http://localhost:5173'],
        keys: [
          { kind: 'write', key: 'wk_b', label: '--write-keys' },
          { kind: 'write', key: 'wk_c', label: '--write-keys' },
          { kind: 'admin', key: `${ADMIN}x`, label: '--admin-key' },
          { kind: 's2s', key: SECRET, label: 'HOMING_S2S_KEYS' },
          { kind: 's2s', key: `${SECRET}2`, label: 'HOMING_S2S_KEYS' },
        ],
        keysFile: '/k2',
        keepIp: true,
        trustedProxies: ['::1'],
        rateLimitPerIp: 7,
        rateLimitPerKey: 8,
        tls: { cert: '/c2', key: '/k2.pem' },
        logLevel: 'debug',
        headersTimeoutMs: 100,
        requestTimeoutMs: 200,
        clickhouseBatchRows: 1000,
        clickhouseBatchMs: 20,
        demoControls: false,
        conventions: 'flag',
        schemas: [],
      },
    });
  });

  it('turns the demo outage switch on only when asked', () => {
    expect(parseCliOptions(['--demo-controls'], {})).toMatchObject({ options: { demoControls: true } });
    expect(parseCliOptions(['--conventions', 'reject', '--schemas', 'a, b/c.json'], {})).toMatchObject({
      options: { conventions: 'reject', schemas: ['a', 'b/c.json'] },
    });
    expect(parseCliOptions([], { HOMING_CONVENTIONS: 'off' })).toMatchObject({ options: { conventions: 'off' } });
    expect(parseCliOptions(['--conventions', 'warn'], {})).toEqual({
      kind: 'error',
      message: 'invalid conventions policy "warn": expected one of reject, flag, off',
    });
    expect(parseCliOptions([], { HOMING_DEMO_CONTROLS: '1' })).toMatchObject({ options: { demoControls: true } });
    expect(parseCliOptions([], { HOMING_DEMO_CONTROLS: '0' })).toMatchObject({ options: { demoControls: false } });
  });

  it('takes --keep-ip as a switch', () => {
    expect(parseCliOptions(['--keep-ip'], {})).toMatchObject({ options: { keepIp: true } });
    expect(parseCliOptions([], { HOMING_KEEP_IP: '0' })).toMatchObject({ options: { keepIp: false } });
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
    [['--admin-key', 'short'], /--admin-key: admin keys must be at least 16 characters/],
    [['--admin-key', 'has space in it and is long'], /--admin-key: admin keys may only contain/],
    [['--write-keys', 'a:b'], /--write-keys: write keys may only contain/],
    [['--write-keys', ' , '], /--write-keys is empty/],
    [['--trusted-proxies', '10.0.0.0/33'], /invalid trusted proxy "10.0.0.0\/33"/],
    [['--trusted-proxies', 'proxy.internal'], /invalid trusted proxy/],
    [['--rate-limit-ip', '-5'], /ambiguous|invalid rate limit per IP/],
    [['--rate-limit-key', '1.5'], /invalid rate limit per key "1.5"/],
    [['--headers-timeout', '0'], /invalid headers timeout "0": expected an integer of at least 1/],
    [['--tls-cert', '/c.pem'], /--tls-cert and --tls-key go together/],
    [['--log-level', 'verbose'], /invalid log level "verbose"/],
  ])('refuses %j', (argv, message) => {
    const parsed = parseCliOptions(argv, {});
    expect(parsed.kind).toBe('error');
    expect(parsed.kind === 'error' && parsed.message).toMatch(message);
  });

  it('never echoes a refused key', () => {
    const parsed = parseCliOptions(['--admin-key', 'tooshortsecret'], {});
    expect(parsed.kind === 'error' && parsed.message).not.toContain('tooshortsecret');
    const env = parseCliOptions([], { HOMING_S2S_KEYS: 'bad key with spaces' });
    expect(env).toEqual({ kind: 'error', message: expect.stringMatching(/^HOMING_S2S_KEYS/) });
    expect(env.kind === 'error' && env.message).not.toContain('bad key');
  });

  it('refuses a bad port from the environment too', () => {
    expect(parseCliOptions([], { HOMING_PORT: '87a' })).toEqual({ kind: 'error', message: expect.stringMatching(/invalid port "87a"/) });
  });
});
