import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runService } from '../../src/commands/run';
import { loadConfig } from '../../src/config/load';
import { createLogger } from '../../src/log/logger';
import { TEST_ENV } from '../support/cli';
import { freePort } from '../support/ports';
import { startEchoServer } from '../support/servers';

async function readyz(port: number): Promise<number | string> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
  } catch (err) {
    return ((err as Error & { cause?: { code?: string } }).cause?.code) ?? 'error';
  }
}

async function until<T>(what: () => T | Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SIGHUP applies log: and admin:', () => {
  it('switches the log level and format in place and moves the admin server; a port that cannot be bound keeps the old one', async () => {
    const server = await startEchoServer();
    const [first, second, taken] = await Promise.all([freePort(), freePort(), freePort()]);
    const dir = mkdtempSync(join(tmpdir(), 'ptunnel-hup-'));
    const file = join(dir, 'ptunnel.yaml');
    const write = (level: string, format: string, admin: number) =>
      writeFileSync(file, `mode: direct\nlog:\n  level: ${level}\n  format: ${format}\nadmin: 127.0.0.1:${admin}\ntunnels:\n  - 0:127.0.0.1:${server.port}\n`);
    write('info', 'json', first);
    const load = () => loadConfig({ env: { ...TEST_ENV }, configFile: file });
    const config = load();
    const lines: string[] = [];
    const logger = createLogger({ level: config.log.level, format: 'json', write: (l) => lines.push(l) });
    // A child handed out before the reload, as the engine's per-connection loggers are.
    const child = logger.child({ component: 'test' });
    const signals = new EventEmitter();
    const exited = runService({ config, logger, version: 'test', reloadConfig: load, signals });
    expect(await until(() => readyz(first), (s) => s === 200)).toBe(200);
    expect(child.enabled('debug')).toBe(false);

    write('debug', 'text', second);
    const reloaded = lines.length;
    signals.emit('SIGHUP');
    expect(await until(() => readyz(second), (s) => s === 200)).toBe(200);
    expect(await readyz(first)).toBe('ECONNREFUSED');
    expect(child.enabled('debug')).toBe(true);
    child.debug('after the reload');
    const after = lines.slice(reloaded);
    expect(after.join('')).toMatch(/^\S+Z DEBUG after the reload component=test$/m);
    expect(after.join('')).toMatch(/admin server on http:\/\/127\.0\.0\.1:\d+/);

    // The new port is busy: the reload says so and the admin server stays where it was.
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(taken, '127.0.0.1', r));
    write('debug', 'text', taken);
    signals.emit('SIGHUP');
    await until(() => lines.join(''), (t) => /EADDRINUSE/.test(t));
    expect(lines.join('')).toMatch(/SIGHUP: admin: cannot start the admin server on 127\.0\.0\.1:\d+: EADDRINUSE; it stays on 127\.0\.0\.1:\d+/);
    expect(await readyz(second)).toBe(200);
    blocker.close();

    signals.emit('SIGTERM');
    expect(await exited).toBe(0);
    expect(await readyz(second)).toBe('ECONNREFUSED');
    await server.close();
  });

  it('moves the admin server to another address on the same port, and takes new --admin-host names without rebinding', async () => {
    const server = await startEchoServer();
    const port = await freePort('0.0.0.0');
    const dir = mkdtempSync(join(tmpdir(), 'ptunnel-hup-'));
    const file = join(dir, 'ptunnel.yaml');
    const write = (admin: string, names: string[]) =>
      writeFileSync(file, `mode: direct\nadmin: ${admin}\nadminHost: [${names.join(', ')}]\ntunnels:\n  - 0:127.0.0.1:${server.port}\n`);
    write(`127.0.0.1:${port}`, []);
    const load = () => loadConfig({ env: { ...TEST_ENV }, configFile: file });
    const config = load();
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', format: 'json', write: (l) => lines.push(l) });
    const signals = new EventEmitter();
    const exited = runService({ config, logger, version: 'test', reloadConfig: load, signals });
    expect(await until(() => readyz(port), (s) => s === 200)).toBe(200);
    const status = (host: string) =>
      new Promise<number>((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/status', headers: { host }, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', () => resolve(0));
      });

    write(`0.0.0.0:${port}`, []);
    signals.emit('SIGHUP');
    await until(() => lines.join(''), (t) => /configuration reloaded/.test(t));
    expect(lines.join('')).toMatch(/admin server on http:\/\/0\.0\.0\.0:\d+/);
    // Only a wildcard bind answers an IP-literal Host other than loopback.
    expect(await status(`10.1.2.3:${port}`)).toBe(200);
    expect(await status('ptunnel.internal')).toBe(421);

    const count = lines.filter((l) => /admin server on/.test(l)).length;
    write(`0.0.0.0:${port}`, ['ptunnel.internal']);
    signals.emit('SIGHUP');
    await until(() => lines.filter((l) => /configuration reloaded/.test(l)).length, (n) => n >= 2);
    expect(await status('ptunnel.internal')).toBe(200);
    expect(lines.filter((l) => /admin server on/.test(l)).length).toBe(count);

    signals.emit('SIGTERM');
    expect(await exited).toBe(0);
    await server.close();
  });
});
