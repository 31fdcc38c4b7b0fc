import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, LoadOptions } from '../../src/config/load';
import { PtunnelError } from '../../src/errors';
import { runCli } from '../support/cli';

/*
 * Every file ptunnel reads whole is a regular file of at most 1 MiB: /dev/zero grew the process to
 * gigabytes, a FIFO hung it. Each refusal is one line, fast.
 */
const dir = mkdtempSync(join(tmpdir(), 'ptunnel-bounded-'));
const fifo = join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);
const big = join(dir, 'big.yaml');
writeFileSync(big, `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
const zeroLink = join(dir, 'zero-link');
symlinkSync('/dev/zero', zeroLink);

const HTTPS = { PTUNNEL_PROXY: 'https://proxy.example:3128' };
const ways: Array<[string, (file: string) => LoadOptions]> = [
  ['the config file', (file) => ({ env: {}, configFile: file })],
  ['the proxy password file', (file) => ({ env: { ...HTTPS, PTUNNEL_PROXY_USER: 'u', PTUNNEL_PROXY_PASSWORD_FILE: file } })],
  ['the proxy CA file', (file) => ({ env: { ...HTTPS, PTUNNEL_PROXY_CA: file } })],
];

function refusal(options: LoadOptions): PtunnelError {
  try {
    loadConfig(options);
  } catch (err) {
    expect(err).toBeInstanceOf(PtunnelError);
    return err as PtunnelError;
  }
  throw new Error('expected the file to be refused');
}

describe.each(ways)('%s', (_what, options) => {
  it.each([
    ['/dev/zero', '/dev/zero', /\/dev\/zero is not a regular file \(it is a character device\)/],
    ['a symlink to /dev/zero', zeroLink, /zero-link is not a regular file/],
    ['a FIFO', fifo, /fifo is not a regular file \(it is a named pipe\)/],
    ['a 2 MiB file', big, /big\.yaml is larger than 1 MiB/],
  ])('refuses %s in one line, at once', (_kind, file, problem) => {
    const started = Date.now();
    const err = refusal(options(file));
    expect(Date.now() - started).toBeLessThan(500);
    expect(err).toMatchObject({ code: 'ERR_CONFIG', userError: true });
    expect(err.message).toMatch(problem);
    expect(err.message).not.toContain('\n');
  });
});

describe('through the CLI', () => {
  it.each([
    ['-c /dev/zero', ['-c', '/dev/zero'], /config file \/dev\/zero is not a regular file/],
    ['--proxy-password-file FIFO', ['-p', 'proxy.example:3128', '--user', 'u', '--proxy-password-file', fifo, '--print-config'], /proxy password file .*fifo is not a regular file/],
    ['--proxy-ca /dev/zero', ['-p', 'https://proxy.example:3128', '--proxy-ca', '/dev/zero', '--print-config'], /proxy CA file \/dev\/zero is not a regular file/],
  ])('%s: exit 2, one line', (_what, args, problem) => {
    const r = runCli([...args, '1:a.example:1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(problem);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
