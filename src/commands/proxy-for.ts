import type { ProxySettings, RuntimeConfig } from '../config/load';
import { describeProxy } from '../config/proxy-spec';
import type { TunnelSpec } from '../config/tunnel-spec';
import { Resolver } from '../dns/resolver';
import { PtunnelError } from '../errors';
import { createLogger } from '../log/logger';
import { formatHostPort } from '../net/address';
import { PacManager } from '../proxy/discovery/pac';
import { ProxyHealth } from '../proxy/health';
import { probeProxy } from '../proxy/probe';
import { ProxyChoice, Router } from '../tunnel/router';
import type { CommandIo } from './io';

export interface ProxyForInput {
  host: string;
  port: number;
  config: RuntimeConfig;
  verbosity: number;
}

const never = () => Promise.reject(new Error('proxy-for opens no connection'));

/**
 * `ptunnel proxy-for HOST:PORT`: the route a new connection to HOST:PORT would take, and each
 * reason: the mode, where the PAC came from and what it answered, each proxy's health (probed
 * now), and NO_PROXY. Exit 0 when there is a way out, 1 when the PAC is broken or no proxy answers
 * where direct is not allowed.
 */
export async function runProxyFor(input: ProxyForInput, io: CommandIo): Promise<number> {
  const { config, host, port } = input;
  const target = formatHostPort(host, port);
  const tunnel: TunnelSpec = { localPort: 0, host, port, source: `proxy-for ${target}` };
  const logger = createLogger({ level: input.verbosity > 0 ? 'debug' : 'error', format: 'text', write: io.stderr });
  const resolver = new Resolver({ ...config.dns, logger });
  const pac = config.pac && config.mode !== 'direct' ? new PacManager({ location: config.pac.location, refreshMs: config.pac.refreshMs, lookup: resolver.lookup, logger, fetchTimeoutMs: config.connectTimeoutMs }) : undefined;
  const out = (line: string) => io.stdout(`${line}\n`);
  try {
    out(target);
    out(`  mode       ${config.mode}`);
    const healths = new Map<string, ProxyHealth>();
    const router = new Router({
      config,
      lookup: resolver.lookup,
      logger,
      connectDirect: never,
      connectProxy: never,
      health: (p) => healths.get(describeProxy(p.endpoint)),
      ...(pac ? { pac } : {}),
    });
    let choice: ProxyChoice;
    try {
      choice = await router.choose(tunnel);
    } catch (err) {
      if (!(err instanceof PtunnelError) || err.code !== 'ERR_PAC') throw err;
      out(`  PAC        ${config.pac?.location}: broken`);
      out(`decision: fail (${err.message})`);
      return 1;
    } finally {
      pac?.stop();
    }
    if (pac && config.pac) {
      const s = pac.status;
      out(`  PAC        ${config.pac.location}: ${s.state}${s.from && s.from !== config.pac.location ? ` (from ${s.from})` : ''}${s.reason ? ` (${s.reason})` : ''}`);
      if (choice.pac) {
        out(`  PAC said   ${choice.pac.result.trim()}  (${choice.pac.ms.toFixed(1)} ms; cached per target until the next fetch)`);
      } else {
        out(`  PAC        not asked: ${config.proxies.length > 0 ? 'the configured proxies' : 'direct'} instead, as off the corporate network`);
      }
    }
    await probeAll(choice.proxies, config.connectTimeoutMs, healths);
    out(`  proxies    ${choice.pac ? 'from the PAC' : choice.proxies.length > 0 ? `from ${choice.proxies[0]?.source}` : 'none'}`);
    choice.proxies.forEach((p, i) => {
      const h = healths.get(describeProxy(p.endpoint));
      out(`    ${i + 1}. ${describeProxy(p.endpoint)}  ${h?.usable ? 'up' : `unreachable (${h?.lastReason ?? 'no answer'})`}`);
    });
    const noProxy = config.noProxy;
    const matched = noProxy.matches(host, port);
    out(`  NO_PROXY   ${noProxy.entries.length === 0 ? 'not set' : `${noProxy.entries.join(',')} (from ${noProxy.source}): ${matched ? 'matches' : 'does not match'}`}${matched && config.mode === 'proxy' ? ' (ignored in mode proxy)' : ''}`);
    const plan = router.plan(tunnel, choice);
    if (plan.route === 'direct') {
      out(`decision: direct (${plan.reason})`);
      return 0;
    }
    const list = plan.proxies.map((p) => describeProxy(p.endpoint)).join(', then ');
    const anyUp = plan.proxies.some((p) => healths.get(describeProxy(p.endpoint))?.usable);
    out(`decision: proxy ${list}${plan.fallback ? ', then direct' : ''}${anyUp ? '' : ' (no proxy answers now: connections would fail)'}`);
    return anyUp ? 0 : 1;
  } finally {
    await resolver.close();
  }
}

/** Probes each proxy once (a TCP or TLS connect), recording the outcome as that proxy's health. */
async function probeAll(proxies: readonly ProxySettings[], timeoutMs: number, healths: Map<string, ProxyHealth>): Promise<void> {
  await Promise.all(
    proxies.map(async (p) => {
      const key = describeProxy(p.endpoint);
      if (healths.has(key)) return;
      const health = new ProxyHealth({ probe: () => new Promise(() => undefined) });
      healths.set(key, health);
      try {
        await probeProxy(p.endpoint, timeoutMs);
      } catch (err) {
        health.reportFailure(err instanceof Error ? err.message : String(err));
        health.stop();
      }
    }),
  );
}
