import { createHash } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { ProxySettings, RuntimeConfig } from '../config/load';
import { describeProxy } from '../config/proxy-spec';
import { isPtunnelError } from '../errors';
import { AddressLookup, ResolvedAddress, systemLookup } from '../dns/lookup';
import { Resolver } from '../dns/resolver';
import { normalizeName } from '../dns/message';
import { silentLogger } from '../log/logger';
import { sanitizeLine } from '../log/sanitize';
import { formatHostPort, isLoopback, tlsServerName } from '../net/address';
import { findPreset, loadPresetCatalog } from '../presets/load';
import type { ClientSetting } from '../presets/schema';
import { offeredSchemes } from '../proxy/auth/offered';
import { connectViaProxy, ProxyTunnel } from '../proxy/connector';
import { readLines } from '../util/files';
import { checkSources, Finding } from './doctor-sources';
import type { CommandIo } from './io';
import { ipFamily } from '../util/ip';

export interface DoctorInput {
  config: RuntimeConfig;
  presets: string[];
  presetsDir: string | null;
  hostsFile: string;
  json: boolean;
  env: NodeJS.ProcessEnv;
}

export type { Finding } from './doctor-sources';

interface Answer {
  status: number;
  line: string;
  headers: string[];
  socket: net.Socket;
  rest: Buffer;
}

/** Opens a TCP (or TLS for https://) connection to the proxy and sends one CONNECT. */
function connectVia(proxy: ProxySettings, host: string, port: number, timeoutMs: number): Promise<Answer> {
  const { endpoint } = proxy;
  return new Promise((resolve, reject) => {
    const socket =
      endpoint.protocol === 'https'
        ? tls.connect({ host: endpoint.host, port: endpoint.port, servername: tlsServerName(endpoint.host), ...(proxy.ca ? { ca: proxy.ca } : {}) })
        : net.connect({ host: endpoint.host, port: endpoint.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    let buf = Buffer.alloc(0);
    socket.once(endpoint.protocol === 'https' ? 'secureConnect' : 'connect', () => {
      const target = formatHostPort(host, port);
      const auth = proxy.authorization ? `Proxy-Authorization: ${proxy.authorization}\r\n` : '';
      socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`);
    });
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > 64 * 1024) socket.destroy(new Error('answer header too long'));
        return;
      }
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.pause();
      const [line = '', ...headers] = buf.subarray(0, end).toString('latin1').split('\r\n');
      resolve({ status: Number(/^HTTP\/\d\.\d (\d{3})/.exec(line)?.[1] ?? 0), line: sanitizeLine(line), headers, socket, rest: buf.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(err.code ?? err.message));
    });
    socket.once('close', () => reject(new Error('the proxy closed the connection without an answer')));
  });
}

function connectDirect(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(err.code ?? err.message));
    });
  });
}

/** Reads from the socket until `done` says the text so far is complete. */
function readUntil(socket: net.Socket, first: Buffer, done: (text: string) => boolean, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = first.toString('latin1');
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      socket.pause();
      if (err) reject(err);
      else resolve(text);
    };
    const onData = (d: Buffer) => {
      text += d.toString('latin1');
      if (done(text)) finish();
      else if (text.length > 64 * 1024) finish(new Error('the server talks too much'));
    };
    const onClose = () => finish(new Error(`the server closed the connection (after ${JSON.stringify(sanitizeLine(text.slice(0, 80)))})`));
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    if (done(text)) return finish();
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.resume();
  });
}

const lastLine = (t: string) => t.trimEnd().split('\r\n').pop() ?? '';
const smtpDone = (t: string) => /(^|\r\n)\d{3} [^\r\n]*\r\n$/.test(t);

/** The plaintext start of a STARTTLS protocol, up to the server's "go ahead". */
async function startTls(socket: net.Socket, head: Buffer, protocol: string, timeoutMs: number): Promise<void> {
  if (protocol === 'SMTP') {
    const banner = await readUntil(socket, head, smtpDone, timeoutMs);
    if (!lastLine(banner).startsWith('220')) throw new Error(`SMTP banner: ${sanitizeLine(lastLine(banner))}`);
    socket.write('EHLO ptunnel-doctor\r\n');
    const ehlo = await readUntil(socket, Buffer.alloc(0), smtpDone, timeoutMs);
    if (!/STARTTLS/i.test(ehlo)) throw new Error('the server does not offer STARTTLS');
    socket.write('STARTTLS\r\n');
    const go = await readUntil(socket, Buffer.alloc(0), smtpDone, timeoutMs);
    if (!lastLine(go).startsWith('220')) throw new Error(`STARTTLS refused: ${sanitizeLine(lastLine(go))}`);
    return;
  }
  const greeting = await readUntil(socket, head, (t) => t.includes('\r\n'), timeoutMs);
  if (!/^\* (OK|PREAUTH)/i.test(greeting)) throw new Error(`IMAP greeting: ${sanitizeLine(lastLine(greeting))}`);
  socket.write('a1 STARTTLS\r\n');
  const go = await readUntil(socket, Buffer.alloc(0), (t) => /(^|\r\n)a1 [^\r\n]*\r\n$/i.test(t), timeoutMs);
  if (!/(^|\r\n)a1 OK/i.test(go)) throw new Error(`STARTTLS refused: ${sanitizeLine(lastLine(go))}`);
}

interface Certificate {
  subject: string;
  issuer: string;
  sha256: string;
  validTo: string;
}

function nameOf(part: Record<string, unknown> | undefined): string {
  if (!part) return '?';
  return sanitizeLine(['CN', 'O', 'OU', 'C'].filter((k) => part[k] !== undefined).map((k) => `${k}=${String(part[k])}`).join(', ') || '?');
}

/** The certificate the client would be shown; no trust decision is made. */
function peerCertificate(socket: net.Socket, head: Buffer, servername: string, timeoutMs: number): Promise<Certificate> {
  return new Promise((resolve, reject) => {
    if (head.length > 0) socket.unshift(head);
    const t = tls.connect({ socket, servername, rejectUnauthorized: false });
    const timer = setTimeout(() => {
      t.destroy();
      reject(new Error(`no TLS handshake within ${timeoutMs} ms`));
    }, timeoutMs);
    t.once('secureConnect', () => {
      clearTimeout(timer);
      const c = t.getPeerCertificate();
      t.destroy();
      if (!c || !c.raw) return reject(new Error('the server sent no certificate'));
      const sha256 = createHash('sha256').update(c.raw).digest('hex').toUpperCase().match(/../g)!.join(':');
      resolve({ subject: nameOf(c.subject as unknown as Record<string, unknown>), issuer: nameOf(c.issuer as unknown as Record<string, unknown>), sha256, validTo: c.valid_to });
    });
    t.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(`TLS: ${err.code ?? err.message}`));
    });
  });
}

const MAIL_FIX = 'ask the proxy admin to allow CONNECT to this port (squid: add it to the SSL_ports acl), or run ptunnel where the port is open (--mode direct)';

/** `proxy`: the proxy the router picked for this target (the configured one, or the PAC's); none: direct. */
/**
 * The address a direct tunnel would use: from ptunnel's own resolver, as in direct mode, never
 * the system's (the hosts file may point the name at ptunnel itself).
 */
async function directAddress(host: string, lookup: AddressLookup): Promise<string> {
  if (ipFamily(host) !== 0) return host;
  // Bounded by the resolver's own per-server timeouts, as for a tunnel.
  const found = await lookup(host);
  const first = found[0];
  if (first === undefined) throw new Error('no address');
  return first.address;
}

async function checkTarget(input: DoctorInput, c: ClientSetting, proxy: ProxySettings | undefined, out: Finding[], lookup: AddressLookup): Promise<boolean> {
  const { config } = input;
  const topic = `${c.protocol} ${formatHostPort(c.server, c.port)}`;
  const timeoutMs = Math.max(config.connectTimeoutMs, 1000);
  let socket: net.Socket;
  let head: Buffer = Buffer.alloc(0);
  if (proxy) {
    let answer: Answer;
    try {
      answer = await connectVia(proxy, c.server, c.port, timeoutMs);
    } catch (err) {
      const fix = proxy === config.proxy ? 'see the proxy line above' : `check the proxy ${proxy.source} names, or that it runs`;
      out.push({ topic, text: `CONNECT through ${describeProxy(proxy.endpoint)}: ${(err as Error).message}`, ok: false, fix });
      return false;
    }
    if (answer.status === 407) {
      const schemes = offeredSchemes(answer.headers.map((h) => /^proxy-authenticate:\s*(.*)$/i.exec(h)?.[1]).filter((h): h is string => h !== undefined));
      const names = schemes.map((s) => s.name).join(', ') || 'none';
      if (authenticatesItself(proxy, schemes)) {
        answer.socket.destroy();
        const tunnel = await connectAsPtunnel(proxy, c, timeoutMs, names, topic, out);
        if (tunnel === undefined) return false;
        socket = tunnel.socket;
        head = tunnel.head;
        return checkTls(c, topic, socket, head, timeoutMs, out);
      }
      out.push({
        topic,
        text: `CONNECT: ${answer.line}; the proxy offers: ${sanitizeLine(names)}`,
        ok: false,
        fix: proxy.authorization ? 'the proxy refused the credentials given: check --user and the password' : 'give --user and --proxy-password-file (Basic), or use a scheme the proxy offers',
      });
      answer.socket.destroy();
      return false;
    }
    if (answer.status < 200 || answer.status > 299) {
      out.push({ topic, text: `CONNECT: ${answer.line}`, ok: false, fix: answer.status === 403 ? MAIL_FIX : 'the proxy refused this target; see its status line' });
      answer.socket.destroy();
      return false;
    }
    out.push({ topic, text: `CONNECT: ${answer.line}`, ok: true });
    socket = answer.socket;
    head = answer.rest;
  } else {
    let address: string;
    try {
      address = await directAddress(c.server, lookup);
    } catch (err) {
      const why = isPtunnelError(err) ? err.code : (err as Error).message;
      out.push({ topic, text: `direct connection: ptunnel's resolver has no address for it (${sanitizeLine(why)})`, ok: false, fix: 'ptunnel resolves names with its own DNS servers, never the hosts file: check --dns (and ptunnel resolve NAME), or give --proxy' });
      return false;
    }
    try {
      socket = await connectDirect(address, c.port, timeoutMs);
      out.push({ topic, text: 'direct connection: open', ok: true });
    } catch (err) {
      out.push({ topic, text: `direct connection: ${(err as Error).message}`, ok: false, fix: 'this network blocks the port: give --proxy' });
      return false;
    }
  }
  return checkTls(c, topic, socket, head, timeoutMs, out);
}

/**
 * Whether ptunnel itself would answer this 407 with a scheme doctor's one-shot probe cannot
 * speak: NTLM and Negotiate take rounds on one connection, so the connector does it.
 */
function authenticatesItself(proxy: ProxySettings, offered: ReadonlyArray<{ scheme: string }>): boolean {
  const mode = proxy.auth ?? 'auto';
  if (mode === 'basic') return false;
  if (mode !== 'auto') return true;
  return offered.some((o) => o.scheme === 'negotiate' || (o.scheme === 'ntlm' && proxy.credentials !== undefined));
}

/** CONNECT as a tunnel would make it, authentication rounds and all; undefined when it failed (the finding says why). */
async function connectAsPtunnel(proxy: ProxySettings, c: ClientSetting, timeoutMs: number, offered: string, topic: string, out: Finding[]): Promise<ProxyTunnel | undefined> {
  let scheme = '';
  try {
    const tunnel = await connectViaProxy({ proxy, host: c.server, port: c.port, timeoutMs, onAuth: (name) => (scheme = name) });
    out.push({ topic, text: `CONNECT with ${sanitizeLine(scheme || 'no authentication')} (the proxy offers: ${sanitizeLine(offered)}): ${sanitizeLine(tunnel.response.statusLine)}`, ok: true });
    return tunnel;
  } catch (err) {
    const forbidden = isPtunnelError(err, 'ERR_PROXY_FORBIDDEN');
    out.push({
      topic,
      text: `CONNECT${scheme ? ` with ${sanitizeLine(scheme)}` : ''} (the proxy offers: ${sanitizeLine(offered)}): ${sanitizeLine((err as Error).message)}`,
      ok: false,
      fix: forbidden ? MAIL_FIX : 'ptunnel would fail the same way; see the message for what to check',
    });
    return undefined;
  }
}

/** The TLS the mail client would see on this socket (after STARTTLS where the preset says so). */
async function checkTls(c: ClientSetting, topic: string, socket: net.Socket, head: Buffer, timeoutMs: number, out: Finding[]): Promise<boolean> {
  try {
    if (c.protocol === 'SSH' || c.security === undefined) {
      out.push({ topic, text: 'TLS: none (SSH checks host keys)', ok: true });
      return true;
    }
    if (c.security === 'STARTTLS') {
      try {
        await startTls(socket, head, c.protocol, timeoutMs);
      } catch (err) {
        const silent = /^no answer within/.test((err as Error).message);
        out.push({
          topic,
          text: silent
            ? `STARTTLS: the server sent no greeting within ${timeoutMs} ms (a TLS-inspecting proxy that waits for a TLS ClientHello holds protocols where the server speaks first)`
            : `STARTTLS: ${(err as Error).message}`,
          ok: false,
          fix: silent ? 'ask the proxy admin for a TLS-inspection exception for this host (squid: ssl_bump splice), or use the SSL/TLS port' : 'check the port and security setting of the preset',
        });
        return false;
      }
    }
    const cert = await peerCertificate(socket, c.security === 'STARTTLS' ? Buffer.alloc(0) : head, c.server, timeoutMs);
    out.push({
      topic,
      text: `TLS${c.security === 'STARTTLS' ? ' after STARTTLS' : ''}: subject ${cert.subject}; issuer ${cert.issuer}; SHA-256 ${cert.sha256}`,
      ok: true,
      fix: 'if the issuer is your company\'s CA rather than a public one, the proxy inspects TLS: the mail client must trust that CA, or ask for an exception for this host',
    });
    return true;
  } catch (err) {
    out.push({ topic, text: (err as Error).message, ok: false, fix: 'the server (or the proxy in between) did not complete TLS' });
    return false;
  } finally {
    socket.destroy();
  }
}

/** The kubelet's first line of a pod's /etc/hosts, and the marker above the pod's hostAliases. */
const KUBELET_HEADER = '# Kubernetes-managed hosts file';
const HOST_ALIASES_MARKER = '# Entries added by HostAliases.';

interface HostsLines {
  /** The addresses the file gives the name. */
  addresses: string[];
  /** The file is a pod's, written by the kubelet (edits to it are lost on restart). */
  kubelet: boolean;
  /** Every address for the name comes from the pod's hostAliases. */
  hostAliases: boolean;
}

function hostsLines(file: string, name: string): HostsLines {
  const lines = readLines(file);
  const kubelet = lines[0]?.startsWith(KUBELET_HEADER) ?? false;
  const found: HostsLines = { addresses: [], kubelet, hostAliases: false };
  let aliases = false;
  let outside = 0;
  for (const line of lines) {
    if (kubelet && line.trim() === HOST_ALIASES_MARKER) aliases = true;
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (!address || !names.some((n) => normalizeName(n) === name)) continue;
    found.addresses.push(address.toLowerCase());
    if (!aliases) outside += 1;
  }
  found.hostAliases = kubelet && found.addresses.length > 0 && outside === 0;
  return found;
}

async function checkNames(input: DoctorInput, names: string[], presetOf: Map<string, string>, out: Finding[]): Promise<boolean> {
  let ok = true;
  const resolver = new Resolver({ ...input.config.dns, cache: false, logger: silentLogger });
  try {
    for (const name of names) {
      const topic = `name ${name}`;
      let ours = 'no resolver configured';
      if (resolver.servers.length > 0) {
        const reports = await resolver.queryEach(name);
        const chosen = reports.find((r) => r.answer && !r.error);
        ours = chosen ? `${chosen.answer!.addresses.map((a) => a.address).join(', ')} (from ${chosen.resolver})` : `no usable answer (${reports.map((r) => r.error?.code ?? 'none').join(', ')})`;
      }
      let system: string;
      try {
        system = (await systemLookup(name)).map((a: ResolvedAddress) => a.address).join(', ');
      } catch (err) {
        system = (err as { code?: string }).code ?? (err as Error).message;
      }
      const proxied = input.config.proxy !== undefined && input.config.mode !== 'direct';
      out.push({ topic, text: `ptunnel's resolver: ${sanitizeLine(ours)}${proxied ? ' (unused through the proxy: it resolves)' : ''}; system resolver: ${sanitizeLine(system)}`, ok: true });
      const hosts = hostsLines(input.hostsFile, name);
      const pointed = hosts.addresses;
      // In a pod the kubelet writes /etc/hosts: the lines come from the pod spec's hostAliases.
      const where = hosts.hostAliases ? `hostAliases (in ${input.hostsFile})` : `hosts file ${input.hostsFile}${hosts.kubelet ? ' (written by the kubelet)' : ''}`;
      const preset = presetOf.get(name);
      if (pointed.some((a) => isLoopback(a))) {
        out.push({ topic, text: `${where} ${hosts.hostAliases ? 'point' : 'points'} it at ${pointed.join(', ')} (ptunnel)`, ok: true });
      } else {
        ok = false;
        out.push({
          topic,
          text:
            pointed.length > 0
              ? `${where} ${hosts.hostAliases ? 'point' : 'points'} it at ${pointed.join(', ')}, not at ptunnel`
              : `${where} has no line for it: the mail client goes around ptunnel`,
          ok: false,
          fix: hosts.kubelet
            ? `add it to the pod's hostAliases with ip 127.0.0.1 (the kubelet rewrites this file; see "ptunnel presets show ${preset}")`
            : `ptunnel hosts --preset ${preset} --apply (in Kubernetes: hostAliases, see "ptunnel presets show ${preset}")`,
        });
      }
    }
  } finally {
    await resolver.close();
  }
  return ok;
}

/** Whether the configured proxy accepts a connection (a PAC's proxies are tried per target). */
async function checkProxy(input: DoctorInput, out: Finding[]): Promise<boolean> {
  const { config } = input;
  if (!config.proxy) {
    if (config.pac) out.push({ topic: 'proxy', text: `none configured: the PAC decides per target (above), mode ${config.mode}`, ok: true });
    else out.push({ topic: 'proxy', text: `none: mode ${config.mode}, every connection goes direct`, ok: true, fix: 'if this network needs a proxy, give --proxy HOST:PORT or set https_proxy' });
    return true;
  }
  const proxy = describeProxy(config.proxy.endpoint);
  out.push({ topic: 'proxy', text: `in use: ${proxy} (from ${config.proxy.source}), mode ${config.mode}`, ok: true });
  try {
    await connectDirect(config.proxy.endpoint.host, config.proxy.endpoint.port, Math.max(config.connectTimeoutMs, 1000)).then((s) => s.destroy());
    out.push({ topic: 'proxy', text: `${proxy}: reachable`, ok: true });
    return true;
  } catch (err) {
    out.push({
      topic: 'proxy',
      text: `${proxy}: unreachable (${(err as Error).message})`,
      ok: false,
      fix: config.mode === 'auto' ? 'check the proxy address; meanwhile ptunnel goes direct (mode auto)' : 'check the proxy address and that it runs, or use --mode auto to go direct while it is away',
    });
    return false;
  }
}

/**
 * `ptunnel doctor`: why mail does not work, in one screen. Each finding ends with a fix where
 * there is one; exit 0 only when every preset target would work.
 */
export async function runDoctor(input: DoctorInput, io: CommandIo): Promise<number> {
  const out: Finding[] = [];
  let ok = true;
  const catalog = loadPresetCatalog(input.presetsDir);
  const targets: ClientSetting[] = [];
  const presetOf = new Map<string, string>();
  for (const name of input.presets) {
    const preset = findPreset(catalog, name);
    for (const c of preset.client) {
      targets.push(c);
      // An address needs no name check: no resolver or hosts file is asked for it.
      if (c.protocol !== 'SSH' && ipFamily(c.server) === 0 && !presetOf.has(c.server)) presetOf.set(c.server, preset.name);
    }
  }
  const resolver = new Resolver({ ...input.config.dns, logger: silentLogger });
  try {
    const routes = await checkSources({ config: input.config, env: input.env, lookup: resolver.lookup }, targets, out);
    const proxyUp = await checkProxy(input, out);
    if (targets.length === 0) {
      out.push({ topic: 'presets', text: 'none given: no targets checked', ok: false, fix: 'name the presets you use: ptunnel doctor --preset gmail' });
      ok = false;
    }
    for (const c of targets) {
      const topic = `${c.protocol} ${formatHostPort(c.server, c.port)}`;
      const route = routes.get(formatHostPort(c.server, c.port));
      if (route === undefined || 'failed' in route) {
        out.push({ topic, text: `not checked: ${route?.failed ?? 'no route'}`, ok: false, fix: 'see the PAC line above' });
        ok = false;
        continue;
      }
      const proxy = 'proxy' in route ? route.proxy : undefined;
      if (proxy && proxy === input.config.proxy && !proxyUp) {
        if (input.config.mode === 'proxy') {
          out.push({ topic, text: 'not checked: the proxy is unreachable and mode is proxy', ok: false, fix: 'see the proxy line above' });
          ok = false;
          continue;
        }
        // mode auto: ptunnel would go direct, so that is what is checked.
        ok = (await checkTarget(input, c, undefined, out, resolver.lookup)) && ok;
        continue;
      }
      ok = (await checkTarget(input, c, proxy, out, resolver.lookup)) && ok;
    }
  } finally {
    await resolver.close();
  }
  ok = (await checkNames(input, [...presetOf.keys()], presetOf, out)) && ok;
  if (input.json) {
    io.stdout(`${JSON.stringify({ ok, findings: out }, null, 2)}\n`);
  } else {
    const width = Math.max(...out.map((f) => f.topic.length));
    for (const f of out) io.stdout(`${f.ok ? 'ok  ' : 'FAIL'} ${f.topic.padEnd(width)}  ${f.text}${f.fix && !f.ok ? `; fix: ${f.fix}` : ''}\n`);
    io.stdout(ok ? 'every preset target would work\n' : 'some preset targets would not work: see the FAIL lines\n');
  }
  return ok ? 0 : 1;
}
