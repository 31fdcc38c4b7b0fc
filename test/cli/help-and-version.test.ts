import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settings } from '../../src/config/schema';
import { runCli } from '../support/cli';

describe('ptunnel --help and --version', () => {
  it('--help lists every setting flag and exits 0', () => {
    const r = runCli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: ptunnel \[options\] LOCAL_PORT:HOST:PORT/);
    for (const [, s] of settings()) if (s.arg) expect(r.stdout).toContain(`--${s.arg}`);
    for (const flag of ['-p, --proxy', '-U, --user', '-P, --password', '-l, --listen', '--config', '--print-config', '-v, --verbose', '-q, --quiet']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('--version prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    const r = runCli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(`ptunnel ${pkg.version}`);
  });
});
