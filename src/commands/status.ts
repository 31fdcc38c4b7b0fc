import { ControlTarget, controlDir, controlGet, discoverControlSockets } from '../admin/control-socket';
import { sanitizeLine } from '../log/sanitize';
import { formatHostPort } from '../net/address';
import type { CommandIo } from './io';

export interface StatusInput {
  /** --admin or PTUNNEL_ADMIN; without it, every running ptunnel's control socket. */
  admin?: { host: string; port: number };
  json: boolean;
  timeoutMs: number;
}

interface Tunnel {
  tunnel: string;
  listen: string;
  target: string;
  route: string;
  active: number;
}
interface Connection {
  id: number;
  tunnel: string;
  client: string;
  target: string;
  route?: string;
  ageMs: number;
  bytesUp: number;
  bytesDown: number;
}
interface Status {
  pid?: number;
  started: boolean;
  draining: boolean;
  mode: string;
  proxy: { url: string; state: string } | null;
  tunnels: Tunnel[];
  /** Absent from a ptunnel older than the SOCKS listener; null when it is off. */
  socks?: { listen: string[]; auth: boolean; active: number; rejected: number } | null;
  connections?: Connection[];
}

/** The running ptunnels a command talks to: the one --admin names, or every control socket. */
export function controlTargets(admin: StatusInput['admin'], env: NodeJS.ProcessEnv): { name: string; target: ControlTarget }[] {
  if (admin) return [{ name: `http://${formatHostPort(admin.host, admin.port)}`, target: admin }];
  return discoverControlSockets(env).map((s) => ({ name: s.path, target: { socketPath: s.path } }));
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function age(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Everything in the answer came off a socket: each value is printed through the sanitiser. */
function render(name: string, s: Status): string {
  const clean = (v: unknown) => sanitizeLine(String(v));
  const state = s.draining ? 'draining' : s.started ? 'ready' : 'starting';
  const lines = [`ptunnel${s.pid !== undefined ? ` pid ${clean(s.pid)}` : ''} (${clean(name)}): ${state}, mode ${clean(s.mode)}`];
  lines.push(s.proxy ? `  proxy ${clean(s.proxy.url)}: ${clean(s.proxy.state)}` : '  proxy: none (every connection goes direct)');
  for (const t of s.tunnels) {
    lines.push(`  tunnel ${clean(t.tunnel)}: listening on ${clean(t.listen)} -> ${clean(t.target)}, route ${clean(t.route)}, ${clean(t.active)} open`);
  }
  if (s.socks) {
    const { listen, auth, active, rejected } = s.socks;
    lines.push(`  socks: listening on ${listen.map(clean).join(', ')}, auth ${auth ? 'user/password' : 'none'}, ${clean(active)} open, ${clean(rejected)} rejected`);
  }
  const conns = s.connections ?? [];
  if (conns.length === 0) lines.push('  connections: none open');
  for (const c of conns) {
    const route = c.route ? `via ${clean(c.route)}` : 'opening (waiting for the proxy or DNS)';
    lines.push(`  connection ${clean(c.id)}: ${clean(c.client)} -> ${clean(c.target)} ${route}, age ${age(c.ageMs)}, up ${bytes(c.bytesUp)}, down ${bytes(c.bytesDown)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `ptunnel status [--json] [--admin ADDR:PORT]`: what each running ptunnel is doing, found by
 * its control socket with no flag. Exit 0 when at least one answered, 1 otherwise.
 */
export async function runStatus(input: StatusInput, io: CommandIo): Promise<number> {
  const targets = controlTargets(input.admin, io.env);
  if (targets.length === 0) {
    io.stderr(`no running ptunnel found: no control socket in ${controlDir(io.env)}; start ptunnel, or give --admin ADDR:PORT of one that runs elsewhere\n`);
    return 1;
  }
  const answers: Record<string, unknown>[] = [];
  let failed = 0;
  for (const { name, target } of targets) {
    try {
      const res = await controlGet(target, '/status', input.timeoutMs);
      if (res.status !== 200) throw new Error(`answered ${res.status} ${res.body.trim().slice(0, 200)}`);
      const status = JSON.parse(res.body) as Status;
      answers.push({ source: name, ...status });
      if (!input.json) io.stdout(render(name, status));
    } catch (err) {
      failed++;
      io.stderr(`${sanitizeLine(name)}: ${sanitizeLine((err as Error).message)}; is ptunnel running there?\n`);
    }
  }
  if (input.json) io.stdout(`${JSON.stringify(answers, null, 2)}\n`);
  return failed === targets.length ? 1 : 0;
}
