import { EventEmitter } from 'node:events';
import { runService } from '../../src/commands/run';
import { loadConfig, LoadOptions, RuntimeConfig } from '../../src/config/load';
import { createLogger } from '../../src/log/logger';
import { TEST_ENV } from './cli';
import { freePort } from './ports';

export interface RunningService {
  adminUrl: string;
  signals: EventEmitter;
  logs: string[];
  /** Resolves with runService's exit code. */
  exited: Promise<number>;
  /** Local port of the n-th tunnel as bound at start, from the service's snapshot (GET /status). */
  port(index?: number): number;
  get(path: string): Promise<{ status: number; body: string }>;
  post(path: string): Promise<{ status: number; body: string }>;
  waitForLog(pattern: RegExp, ms?: number): Promise<void>;
}

/**
 * Runs the whole service (tunnels, admin server, signal handling) in-process, with signals
 * coming from an emitter the test controls.
 */
export async function startService(options: LoadOptions & { reload?: () => RuntimeConfig }): Promise<RunningService> {
  const adminPort = await freePort();
  const flags = { admin: `127.0.0.1:${adminPort}`, ...options.flags };
  const load = () => loadConfig({ env: { ...TEST_ENV }, ...options, flags });
  const config = load();
  const logs: string[] = [];
  const signals = new EventEmitter();
  const logger = createLogger({ level: 'debug', format: 'json', write: (l) => logs.push(l) });
  const exited = runService({ config, logger, version: 'test', reloadConfig: options.reload ?? load, signals });
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const request = async (method: string, path: string) => {
    const res = await fetch(`${adminUrl}${path}`, { method });
    return { status: res.status, body: await res.text() };
  };
  const waitForLog = async (pattern: RegExp, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!logs.some((l) => pattern.test(l))) {
      if (Date.now() > deadline) throw new Error(`no log line matching ${pattern} in:\n${logs.join('')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const started = async () => {
    const deadline = Date.now() + 10_000;
    while ((await request('GET', '/startup').catch(() => ({ status: 0 }))).status !== 200) {
      if (Date.now() > deadline) throw new Error(`service did not start: ${logs.join('')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await Promise.race([
    started(),
    exited.then((code) => {
      throw new Error(`service exited with ${code}: ${logs.join('')}`);
    }),
  ]);
  const status = JSON.parse((await request('GET', '/status')).body) as { tunnels: Array<{ listen: string }> };
  const ports = status.tunnels.map((t) => Number(t.listen.slice(t.listen.lastIndexOf(':') + 1)));
  return {
    adminUrl,
    signals,
    logs,
    exited,
    port: (index = 0) => ports[index] ?? 0,
    get: (path) => request('GET', path),
    post: (path) => request('POST', path),
    waitForLog,
  };
}
