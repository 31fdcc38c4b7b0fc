import type { TunnelSpec } from '../config/tunnel-spec';

/** The tunnels and the global listen address: what a listener's identity depends on. */
export interface TunnelList {
  readonly tunnels: readonly TunnelSpec[];
  readonly listen: string;
}

/** What a reload does with the listeners; computed with no I/O. */
export interface ReloadPlan<L> {
  /** Same mapping: the listener and its connections stay. */
  readonly keep: readonly L[];
  /** Gone or changed: stop accepting; their live connections run to their end. */
  readonly remove: readonly L[];
  /** New mappings, to be bound. */
  readonly add: readonly TunnelSpec[];
}

/** Listener identity: the same key after a reload means the listener and its connections stay. */
export function tunnelKey(t: TunnelSpec, listen: string): string {
  return `${t.listenHost ?? listen}|${t.localPort}|${t.host}|${t.port}`;
}

/** Sorts the running listeners, bound under `listen`, against the `next` configuration. */
export function planReload<L extends { readonly tunnel: TunnelSpec }>(running: readonly L[], listen: string, next: TunnelList): ReloadPlan<L> {
  const wanted = new Map(next.tunnels.map((t) => [tunnelKey(t, next.listen), t]));
  const keep: L[] = [];
  const remove: L[] = [];
  for (const l of running) {
    const key = tunnelKey(l.tunnel, listen);
    if (wanted.delete(key)) keep.push(l);
    else remove.push(l);
  }
  return { keep, remove, add: [...wanted.values()] };
}

/** The SOCKS listener's address: the same one after a reload keeps the listener and its connections. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * What a reload does with a local proxy listener (SOCKS, HTTP): `running` is what is bound
 * (undefined: off), `next` what the new configuration asks for. Credentials and --allow-clients
 * need no rebind: each new client is checked against the configuration of the moment.
 */
export function planProxyListenerReload(running: ListenAddress | undefined, next: ListenAddress | undefined): 'keep' | 'add' | 'remove' | 'rebind' | 'none' {
  if (running === undefined) return next === undefined ? 'none' : 'add';
  if (next === undefined) return 'remove';
  return running.host === next.host && running.port === next.port ? 'keep' : 'rebind';
}
