import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { waitForPort } from '../support/ports';
import { startProxy, TestProxy } from '../support/squid';
import { ROOT } from './k8s-tools';
import { until } from './container-io';
import { ReadmeCommand, readmeCommands, sectionText, shellWords, splitAssignments } from './readme-commands';

/**
 * README.md's "## Docker" section, walked through as written (issue 6), with podman. Run by
 * `.ci/packaging.sh container` (it builds the image first), not by npm test.
 *
 * Every command of the section's `sh` blocks is run in README order, as one shell session in a
 * temporary directory ($PWD), or fails the test as unknown:
 *   docker build -t ptunnel .     packaging.sh has built it (podman build ... -t $PTUNNEL_IMAGE .)
 *   export HTTPS_PROXY=...        the test's squid instead of proxy.corp.example (see below)
 *   cat > f <<'X' ... / chmod     run by bash as written; an HTTPS_PROXY= line written to the
 *                                 file is then pointed at the test's squid
 *   docker run ...                run by podman after THE TRANSLATION below
 *   docker compose -f F up -d     the service of F (deploy/docker-compose.yml) turned into the
 *                                 podman run compose would do, same translation; `logs -f` ->
 *                                 `podman logs` (no podman-compose or docker compose here)
 *
 * THE TRANSLATION of a README `docker run` (this machine has no Docker engine, and podman's
 * container networking is not available here, so containers use the host's network namespace):
 *   - `docker` -> `podman`; `-d` kept (the test polls the container, and removes it);
 *   - `--name ptunnel` -> a unique name (other runs on this machine), removed with rm -f -t 0;
 *   - `-p 127.0.0.1:P:P` dropped and `--network host` added. A publish on the host's loopback
 *     reaches ptunnel's port P; on the host network ptunnel's port P IS the host's port P, so to
 *     stay on loopback just as the README's `-p 127.0.0.1:` does, ptunnel listens on 127.0.0.1
 *     (`-e PTUNNEL_LISTEN=127.0.0.1 -e PTUNNEL_ADMIN=127.0.0.1:9090`, which override the image's
 *     0.0.0.0 the way the README's settings note says). Only P:P publishes on 127.0.0.1 translate;
 *     anything else fails the test;
 *   - `-e PTUNNEL_MODE=proxy`: the README's default mode is auto, which would go direct to the
 *     real imap.gmail.com (DNS-over-HTTPS included) if squid failed; CI traffic stays on loopback;
 *   - the image `ptunnel` -> $PTUNNEL_IMAGE (default ptunnel:ci).
 * The environment the README assumes: HTTPS_PROXY is squid on loopback (startProxy), which
 * resolves imap.gmail.com and smtp.gmail.com to 127.0.0.2, where the test listens on 993, 587 and
 * 465 (a greeting naming the port, then echo; binding them needs root, as CI is); squid has no
 * auth, so any credentials pass. ./proxy-password is created (chmod 644, as the README says).
 *
 * Each container is then checked: its published ports carry bytes through squid (squid's log
 * shows CONNECT imap.gmail.com:993 ...), /readyz on a published 9090, the credentials arrived
 * (`--print-config` with the container's own arguments, in the container), `ptunnel health`
 * via podman exec, the image HEALTHCHECK (podman healthcheck run; the README's docker inspect
 * --format), and `docker stop` -> exit code 0.
 */
const IMAGE = process.env.PTUNNEL_IMAGE ?? 'ptunnel:ci';
const SECTION = 'Docker';
const UPSTREAM = '127.0.0.2';
const NODE = ['/nodejs/bin/node', '/app/dist/main.js'];
const LOOPBACK_ENV = ['-e', 'PTUNNEL_LISTEN=127.0.0.1', '-e', 'PTUNNEL_ADMIN=127.0.0.1:9090', '-e', 'PTUNNEL_MODE=proxy'];

type Kind = 'build' | 'export' | 'shell' | 'run' | 'compose-up' | 'compose-logs' | 'unknown';
const argvOf = (c: ReadmeCommand) => splitAssignments(shellWords(c.text)).argv;
function kind(c: ReadmeCommand): Kind {
  const [a, b, ...rest] = argvOf(c);
  if (a === 'docker' && b === 'build') return 'build';
  if (a === 'export') return 'export';
  if ((a === 'cat' && c.heredoc) || a === 'chmod') return 'shell';
  if (a === 'docker' && b === 'run') return 'run';
  if (a === 'docker' && b === 'compose' && rest.includes('up')) return 'compose-up';
  if (a === 'docker' && b === 'compose' && rest.includes('logs')) return 'compose-logs';
  return 'unknown';
}
const steps = readmeCommands(SECTION).map((c) => ({ c, kind: kind(c) }));
const runs = steps.filter((s) => s.kind === 'run');

// the session: one temporary $PWD, variables exported so far, the containers started
let proxy: TestProxy;
let dir: string;
const session: Record<string, string> = {};
const upstreams: net.Server[] = [];
const names: string[] = [];

/** podman with a clean proxy environment: only what the README session exported. */
function podman(args: string[]) {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(https?_proxy|all_proxy|no_proxy|ptunnel_.*)$/i.test(k)) env[k] = v;
  const r = spawnSync('podman', args, { cwd: dir, env: { ...env, ...session }, encoding: 'utf8', timeout: 90_000 });
  if (r.error) throw r.error;
  return { status: r.status, out: r.stdout.trim(), err: r.stderr };
}

function uniqueName(): string {
  const name = `ptunnel-readme-${process.pid}-${names.length}`;
  names.push(name);
  return name;
}

/** Runs the README commands before `upTo` that set up the session (export, files). */
function setUp(upTo: ReadmeCommand): void {
  for (const { c, kind: k } of steps) {
    if (c === upTo) return;
    if (k === 'export') {
      const [name, value] = (argvOf(c)[1] ?? '').split(/=(.*)/s) as [string, string];
      // the README's proxy.corp.example -> the test's squid
      session[name] = name === 'HTTPS_PROXY' ? proxy.url : value;
    } else if (k === 'shell') {
      const r = spawnSync('bash', ['-euc', c.script], { cwd: dir, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`README line ${c.line} failed (${r.status}): ${r.stderr}`);
      if (c.heredoc && /^HTTPS_PROXY=/m.test(c.heredoc.body)) {
        const words = argvOf(c);
        const file = join(dir, words[words.indexOf('>') + 1] as string);
        writeFileSync(file, readFileSync(file, 'utf8').replace(/^HTTPS_PROXY=.*$/m, `HTTPS_PROXY=${proxy.url}`));
      }
    }
  }
}

interface Translated {
  args: string[];
  name: string;
  /** Ports the README publishes (host side == container side, on 127.0.0.1). */
  published: number[];
  /** Arguments after the image: ptunnel's own. */
  ptunnelArgs: string[];
  /** The container's environment as the command gives it (-e, --env NAME, --env-file). */
  env: Record<string, string>;
}

const VALUE_OPTS = new Set(['--name', '--restart', '-e', '--env', '--env-file', '-v', '--volume', '-p', '--publish', '--stop-timeout']);
const FLAG_OPTS = new Set(['-d', '--detach']);

function translateRun(argv: string[]): Translated {
  if (argv[0] !== 'docker' || argv[1] !== 'run') throw new Error(`not a docker run: ${argv.join(' ')}`);
  const args = ['run'];
  const published: number[] = [];
  const env: Record<string, string> = {};
  const name = uniqueName();
  let i = 2;
  for (; i < argv.length && (argv[i] as string).startsWith('-'); i++) {
    let opt = argv[i] as string;
    let value: string | undefined;
    if (opt.includes('=') && opt.startsWith('--')) [opt, value] = opt.split(/=(.*)/s) as [string, string];
    if (FLAG_OPTS.has(opt)) {
      args.push(opt);
      continue;
    }
    if (!VALUE_OPTS.has(opt)) throw new Error(`README docker run option ${opt} has no translation in this test`);
    value ??= argv[++i] as string;
    if (opt === '-p' || opt === '--publish') {
      const m = /^127\.0\.0\.1:(\d+):(\d+)$/.exec(value);
      if (!m || m[1] !== m[2]) throw new Error(`publish ${value}: only 127.0.0.1:P:P translates to the host network`);
      published.push(Number(m[1]));
      continue;
    }
    if (opt === '--name') {
      args.push('--name', name);
      continue;
    }
    if (opt === '-e' || opt === '--env') {
      const [k, v] = value.split(/=(.*)/s) as [string, string | undefined];
      const resolved = v ?? session[k];
      if (resolved !== undefined) env[k] = resolved;
    }
    if (opt === '--env-file') {
      for (const line of readFileSync(join(dir, value), 'utf8').split('\n')) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
        if (m) env[m[1] as string] = m[2] as string;
      }
    }
    args.push(opt, value);
  }
  if (!args.includes('--name')) args.push('--name', name);
  const image = argv[i];
  if (image !== 'ptunnel') throw new Error(`README runs image ${image}, expected "ptunnel"`);
  const ptunnelArgs = argv.slice(i + 1);
  args.push('--network', 'host', ...LOOPBACK_ENV, IMAGE, ...ptunnelArgs);
  return { args, name, published, ptunnelArgs, env };
}

/** ${VAR}, ${VAR:-default}, $VAR and $$ as compose interpolates them. */
function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, a?: string, def?: string, b?: string) => {
    if (all === '$$') return '$';
    const v = env[(a ?? b) as string];
    return v === undefined || (v === '' && all.includes(':-')) ? (def ?? '') : v;
  });
}

/** The `podman run` that compose would make of the file's single service. */
function translateCompose(file: string, env: Record<string, string>): Translated {
  const doc = YAML.parse(readFileSync(join(ROOT, file), 'utf8'));
  const unknownTop = Object.keys(doc).filter((k) => !['name', 'services'].includes(k));
  if (unknownTop.length > 0) throw new Error(`${file}: top-level ${unknownTop.join(', ')} not translated by this test`);
  const services = Object.entries(doc.services as Record<string, Record<string, unknown>>);
  if (services.length !== 1) throw new Error(`${file}: expected one service`);
  const svc = (services[0] as [string, Record<string, unknown>])[1];
  const name = uniqueName();
  const args = ['run', '-d', '--name', name];
  const published: number[] = [];
  const cEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(svc)) {
    switch (key) {
      case 'image': {
        // ${PTUNNEL_IMAGE:-ghcr.io/...}: the file's own knob names the CI image
        const image = interpolate(String(value), { ...env, PTUNNEL_IMAGE: IMAGE });
        expect(image).toBe(IMAGE);
        break;
      }
      case 'build': // the image is built already (packaging.sh); the context is the repository
        expect(existsSync(join(ROOT, file, '..', (value as { context: string }).context, 'Dockerfile'))).toBe(true);
        break;
      case 'command':
        break; // appended after the image below
      case 'restart':
        args.push('--restart', String(value));
        break;
      case 'environment':
        for (const [k, v] of Object.entries(value as Record<string, string | null>)) {
          if (v === null) {
            // no value: from the shell when set there, else absent (as `docker run --env NAME`)
            args.push('--env', k);
            if (env[k] !== undefined) cEnv[k] = env[k] as string;
          } else {
            cEnv[k] = interpolate(String(v), env);
            args.push('--env', `${k}=${cEnv[k]}`);
          }
        }
        break;
      case 'ports':
        for (const p of value as string[]) {
          const m = /^127\.0\.0\.1:(\d+):(\d+)$/.exec(String(p));
          if (!m || m[1] !== m[2]) throw new Error(`${file}: port ${p}: only 127.0.0.1:P:P translates to the host network`);
          published.push(Number(m[1]));
        }
        break;
      case 'read_only':
        if (value === true) args.push('--read-only');
        break;
      case 'tmpfs':
        for (const t of value as string[]) args.push('--tmpfs', t);
        break;
      case 'cap_drop':
        for (const t of value as string[]) args.push('--cap-drop', t);
        break;
      case 'security_opt':
        for (const t of value as string[]) args.push('--security-opt', t);
        break;
      default:
        throw new Error(`${file}: service key ${key} not translated by this test`);
    }
  }
  const ptunnelArgs = (svc.command as string[]).map(String);
  args.push('--network', 'host', ...LOOPBACK_ENV, IMAGE, ...ptunnelArgs);
  return { args, name, published, ptunnelArgs, env: cEnv };
}

function running(name: string): string | undefined {
  const r = podman(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name]);
  if (r.out.startsWith('running')) return undefined;
  return `container ${name} is ${r.out}:\n${podman(['logs', name]).err}${podman(['logs', name]).out}`;
}

/** Resolves with what came back after sending `payload`: the greeting line, then the echo. */
function exchange(port: number, payload: Buffer): Promise<{ greeting: string; echo: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let greeting: string | undefined;
    const s = net.connect(port, '127.0.0.1');
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (greeting === undefined) {
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        greeting = buf.subarray(0, nl).toString();
        buf = buf.subarray(nl + 1);
        s.write(payload);
      }
      if (buf.length >= payload.length) {
        s.destroy();
        resolve({ greeting, echo: buf });
      }
    });
    s.on('error', reject);
    s.setTimeout(20_000, () => s.destroy(new Error(`timeout on 127.0.0.1:${port} after ${buf.length} bytes`)));
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

/** Everything the README promises of a running container. */
async function check(t: Translated): Promise<void> {
  let last = 0;
  let dead: string | undefined;
  const alive = () => {
    if (Date.now() - last > 1000) {
      last = Date.now();
      dead = running(t.name);
    }
    return dead;
  };
  for (const port of t.published) await waitForPort(port, 30_000, alive);

  // the container's own settings, read by ptunnel in the container with its own arguments
  const pc = podman(['exec', t.name, ...NODE, ...t.ptunnelArgs, '--print-config']);
  expect(pc.err).toBe('');
  const config = JSON.parse(pc.out);
  expect(config.proxy.url.replace(/\/\/[^@/]*@/, '//')).toBe(proxy.url); // squid, credentials aside
  expect(config.mode).toBe('proxy');
  if (t.env.PTUNNEL_PROXY_USER !== undefined) expect(config.proxy.user).toBe(t.env.PTUNNEL_PROXY_USER);
  else expect(config.proxy.user ?? null).toBeNull();
  if (t.env.PTUNNEL_PROXY_PASSWORD !== undefined || t.ptunnelArgs.includes('--proxy-password-file')) expect(config.proxy.password).toBe('***');
  const tunnels = new Map<number, { host: string; port: number }>();
  for (const line of config.tunnels as string[]) {
    const m = /^127\.0\.0\.1:(\d+) -> ([^:]+):(\d+)$/.exec(line);
    if (m) tunnels.set(Number(m[1]), { host: m[2] as string, port: Number(m[3]) });
  }

  for (const port of t.published) {
    if (port === 9090) {
      expect(await httpStatus('http://127.0.0.1:9090/readyz')).toBe(200);
      continue;
    }
    const target = tunnels.get(port);
    expect({ port, target }).toEqual({ port, target: expect.objectContaining({ host: expect.stringMatching(/\.gmail\.com$/) }) });
    const payload = randomBytes(256 * 1024);
    const { greeting, echo } = await exchange(port, payload);
    expect(greeting).toBe(`* OK upstream ${UPSTREAM}:${target?.port}\r`);
    expect(echo.equals(payload)).toBe(true);
    // squid writes a tunnel's line when the tunnel has closed, a moment after the client's close.
    const line = `CONNECT ${target?.host}:${target?.port}`;
    expect(await until(() => proxy.accessLog(), (log) => log.includes(line))).toContain(line);
  }

  // `ptunnel health` in the container, and the image's HEALTHCHECK the way the README reads it
  expect(podman(['exec', t.name, ...NODE, 'health'])).toMatchObject({ status: 0 });
  expect(podman(['healthcheck', 'run', t.name]).status).toBe(0);
  const inspect = /`docker inspect --format '([^']+)' ptunnel`/.exec(sectionText(SECTION))?.[1];
  expect(inspect).toBe('{{.State.Health.Status}}');
  expect(podman(['inspect', '--format', inspect as string, t.name]).out).toBe('healthy');

  // "docker stop sends SIGTERM: ptunnel closes its listeners, drains ... and exits 0"
  expect(podman(['stop', '-t', '40', t.name]).status).toBe(0);
  expect(podman(['inspect', '--format', '{{.State.ExitCode}}', t.name]).out).toBe('0');
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('the README walk-through binds 993/587/465 on 127.0.0.2: run it as root (CI does)');
  proxy = await startProxy({ hosts: { 'imap.gmail.com': UPSTREAM, 'smtp.gmail.com': UPSTREAM } });
  // squid resolves the names from its hosts file; a fallback proxy would ask the real DNS
  if (proxy.kind !== 'squid') throw new Error('squid is needed (the embedded proxy would resolve imap.gmail.com for real)');
  for (const port of [993, 587, 465]) {
    const server = net.createServer((s) => {
      s.on('error', () => undefined);
      s.write(`* OK upstream ${UPSTREAM}:${port}\r\n`);
      s.pipe(s);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: UPSTREAM, port, exclusive: true }, resolve);
    });
    upstreams.push(server);
  }
  dir = mkdtempSync(join(tmpdir(), 'ptunnel-readme-docker-'));
  chmodSync(dir, 0o755);
  session.PWD = dir;
  // the file the README mounts; "the file must be readable by uid 65532: chmod 644"
  writeFileSync(join(dir, 'proxy-password'), 'correct horse\n');
  chmodSync(join(dir, 'proxy-password'), 0o644);
}, 60_000);

afterAll(async () => {
  for (const name of names) podman(['rm', '-f', '-t', '0', name]);
  for (const s of upstreams) await new Promise((resolve) => s.close(resolve));
  await proxy?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test(`every command of "## ${SECTION}" is one the test walks through`, () => {
  const unknown = steps.filter((s) => s.kind === 'unknown').map((s) => `README line ${s.c.line}: ${s.c.text}`);
  expect(unknown).toEqual([]);
  expect(runs.length).toBeGreaterThan(0);
  // the build line is what packaging.sh does (podman build ... -t $PTUNNEL_IMAGE .), here as IMAGE
  for (const s of steps.filter((x) => x.kind === 'build')) expect(argvOf(s.c)).toEqual(['docker', 'build', '-t', 'ptunnel', '.']);
  expect(podman(['image', 'exists', IMAGE]).status).toBe(0);
});

test.each(runs.map((s) => [s.c.line, s.c.text, s.c]))('README line %d: %s', async (_line, _text, c) => {
  const cmd = c as ReadmeCommand;
  setUp(cmd);
  const t = translateRun(shellWords(cmd.text, session));
  const r = podman(t.args);
  try {
    expect({ status: r.status, err: r.err }).toMatchObject({ status: 0 });
    await check(t);
  } finally {
    podman(['rm', '-f', '-t', '0', t.name]); // the next command publishes the same ports
  }
}, 120_000);

const composeUp = steps.find((s) => s.kind === 'compose-up');
const composeLogs = steps.find((s) => s.kind === 'compose-logs');
(composeUp ? test : test.skip)(`README: ${composeUp?.c.text} (and ${composeLogs?.c.text})`, async () => {
  const c = composeUp?.c as ReadmeCommand;
  setUp(c);
  const { env: prefix, argv } = splitAssignments(shellWords(c.text, session));
  const file = argv[argv.indexOf('-f') + 1] as string;
  // the command's own HTTPS_PROXY=proxy.corp.example -> the test's squid
  const env = { ...prefix, ...(prefix.HTTPS_PROXY ? { HTTPS_PROXY: proxy.url } : {}) };
  const t = translateCompose(file, env);
  const saved = { ...session };
  Object.assign(session, env);
  try {
    const r = podman(t.args);
    expect({ status: r.status, err: r.err }).toMatchObject({ status: 0 });
    await check(t);
    if (composeLogs) {
      // `logs -f` follows; the stopped container's log is the same text, and it ends
      expect(argvOf(composeLogs.c).slice(0, 4)).toEqual(['docker', 'compose', '-f', file]);
      const logs = podman(['logs', t.name]);
      expect(`${logs.out}${logs.err}`).toContain('listening on 127.0.0.1:9993 -> imap.gmail.com:993');
    }
  } finally {
    for (const k of Object.keys(session)) delete session[k];
    Object.assign(session, saved);
    podman(['rm', '-f', '-t', '0', t.name]);
  }
}, 120_000);
