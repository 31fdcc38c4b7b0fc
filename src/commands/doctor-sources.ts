import type { ProxySettings, RuntimeConfig } from '../config/load';
import { describeProxy } from '../config/proxy-spec';
import type { TunnelSpec } from '../config/tunnel-spec';
import type { AddressLookup } from '../dns/lookup';
import { PtunnelError } from '../errors';
import { silentLogger } from '../log/logger';
import { sanitizeLine } from '../log/sanitize';
import { formatHostPort } from '../net/address';
import { PacManager } from '../proxy/discovery/pac';
import { readSystemProxy, SystemProxy } from '../proxy/discovery/system';
import { systemSearchDomains, wpadUrls } from '../proxy/discovery/wpad';
import { Router } from '../tunnel/router';

/** One finding of `ptunnel doctor`: what was seen, whether it stands in the way, what to do. */
export interface Finding {
  topic: string;
  text: string;
  ok: boolean;
  fix?: string;
}

/** A target ptunnel would carry: host and port of a preset's client setting. */
export interface DoctorTarget {
  server: string;
  port: number;
}

/** Where a target's connection would go, as the router decides it: a proxy, direct, or nowhere. */
export type TargetRoute = { proxy: ProxySettings } | { direct: string } | { failed: string };

export interface SourcesInput {
  config: RuntimeConfig;
  env: NodeJS.ProcessEnv;
  lookup: AddressLookup;
  /** The operating system's settings; by default read as --proxy system reads them. */
  systemProxy?: () => SystemProxy;
  platform?: NodeJS.Platform;
}

const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'];

/** A proxy URL as it may be shown: the password never. */
export function masked(text: string): string {
  return sanitizeLine(text.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@'));
}

const never = () => Promise.reject(new Error('doctor decides routes only'));

/** Which reader --proxy system uses here, for the line that says what it found. */
function systemReader(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  if (platform === 'win32') return 'Windows Internet Settings';
  if (platform === 'darwin') return 'macOS network settings (scutil)';
  if (/kde/i.test(env.XDG_CURRENT_DESKTOP ?? '')) return 'KDE (kioslaverc)';
  return 'GNOME (gsettings)';
}

function systemFinding(input: SourcesInput): Finding {
  const { config, env } = input;
  const platform = input.platform ?? process.platform;
  const reader = systemReader(env, platform);
  const topic = 'proxy source';
  let sys: SystemProxy;
  try {
    sys = (input.systemProxy ?? (() => readSystemProxy(env, platform)))();
  } catch (err) {
    return { topic, text: `system settings, ${reader}: unreadable (${sanitizeLine((err as Error).message)})`, ok: true };
  }
  // readSystemProxy falls back to the environment, listed above already.
  if (sys.from === 'env') return { topic, text: `system settings, ${reader}: no proxy set`, ok: true };
  const gives = [
    ...(sys.proxies.length > 0 ? [`proxy ${sys.proxies.map(masked).join(', ')}`] : []),
    ...(sys.pac !== undefined ? [`PAC ${masked(sys.pac)}`] : []),
    ...(sys.noProxy.length > 0 ? [`bypass ${sanitizeLine(sys.noProxy.join(','))}`] : []),
  ];
  const used = config.raw.proxy.url?.trim().toLowerCase() === 'system';
  return {
    topic,
    text: `system settings, ${reader}: ${gives.join('; ') || 'no proxy'} (${used ? 'used: --proxy system' : 'unused: ptunnel reads them with --proxy system'})`,
    ok: true,
  };
}

/** The fix for a PAC that cannot be fetched: where it was looked for decides what to check. */
function pacFetchFix(location: string, config: RuntimeConfig): string {
  const meanwhile = config.proxies.length > 0 ? `meanwhile ptunnel uses ${describeProxy(config.proxies[0]!.endpoint)}` : 'meanwhile ptunnel goes direct';
  if (location.toLowerCase() === 'wpad') return `no wpad.DOMAIN answered: give the PAC's URL with --pac, or the proxy with --proxy; ${meanwhile}`;
  if (!/^https?:\/\//i.test(location)) return `check the file's path and permissions; ${meanwhile}`;
  return `check the URL and that this machine is on the network that serves it (VPN), or raise --connect-timeout; ${meanwhile}`;
}

/**
 * The proxy sources as they exist here (flag, environment, PAC, system settings) and what each
 * gives, the PAC's answer for each target included; and the route each target would take, from
 * the same Router and PacManager a running ptunnel uses. The PAC is fetched once.
 */
export async function checkSources(input: SourcesInput, targets: readonly DoctorTarget[], out: Finding[]): Promise<Map<string, TargetRoute>> {
  const { config, env } = input;
  const flag = config.raw.proxy.url;
  out.push({ topic: 'proxy source', text: `--proxy / PTUNNEL_PROXY / config file: ${flag ? masked(flag) : 'not set'}`, ok: true });
  for (const name of PROXY_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') out.push({ topic: 'proxy source', text: `${name}=${masked(value)}`, ok: true });
  }
  out.push(systemFinding(input));

  const pac = config.pac
    ? new PacManager({ location: config.pac.location, refreshMs: config.pac.refreshMs, lookup: input.lookup, logger: silentLogger, fetchTimeoutMs: Math.max(config.connectTimeoutMs, 1000) })
    : undefined;
  const routes = new Map<string, TargetRoute>();
  try {
    if (pac && config.pac) {
      await pac.refresh();
      const s = pac.status;
      const where = `PAC ${masked(config.pac.location)}`;
      if (s.state === 'ready') out.push({ topic: 'proxy source', text: `${where}: loaded${s.from && s.from !== config.pac.location ? ` from ${masked(s.from)}` : ''}`, ok: true });
      else if (s.state === 'unreachable') out.push({ topic: 'proxy source', text: `${where}: cannot be fetched (${sanitizeLine(s.reason ?? '')})`, ok: false, fix: pacFetchFix(config.pac.location, config) });
      else out.push({ topic: 'proxy source', text: `${sanitizeLine(s.reason ?? `${where}: broken`)}`, ok: false, fix: 'fix the PAC file: ptunnel never goes direct on a broken PAC, so connections that need it fail' });
    } else {
      const wpad = wpadUrls(systemSearchDomains());
      out.push({
        topic: 'proxy source',
        text: `PAC (--pac): not set${wpad.length > 0 ? `; --pac wpad would look at ${wpad.join(', ')}` : ''}`,
        ok: true,
      });
    }
    const router = new Router({ config, lookup: input.lookup, logger: silentLogger, connectDirect: never, connectProxy: never, ...(pac ? { pac } : {}) });
    for (const t of targets) {
      const target = formatHostPort(t.server, t.port);
      if (routes.has(target)) continue;
      const tunnel: TunnelSpec = { localPort: 0, host: t.server, port: t.port, source: `doctor ${target}` };
      try {
        const choice = await router.choose(tunnel);
        if (choice.pac) out.push({ topic: 'proxy source', text: `PAC for ${target}: ${sanitizeLine(choice.pac.result.trim())}`, ok: true });
        const plan = router.plan(tunnel, choice);
        routes.set(target, plan.route === 'proxy' ? { proxy: plan.proxies[0] as ProxySettings } : { direct: plan.reason });
      } catch (err) {
        if (!(err instanceof PtunnelError)) throw err;
        const why = sanitizeLine(err.message);
        out.push({ topic: 'proxy source', text: `PAC for ${target}: ${why}`, ok: false, fix: 'fix the PAC file: ptunnel never goes direct on a broken PAC, so connections that need it fail' });
        routes.set(target, { failed: why });
      }
    }
  } finally {
    pac?.stop();
  }
  return routes;
}
