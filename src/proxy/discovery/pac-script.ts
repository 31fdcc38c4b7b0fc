import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { AddressLookup } from '../../dns/lookup';
import { usageError } from '../../errors';
import { shownBytes } from '../shown';
import { parsePacResult, PacEntry } from './pac-result';

export interface PacScriptOptions {
  /** ptunnel's own resolver: never getaddrinfo, whose hosts file answers 127.0.0.1 for tunnel targets. */
  lookup: AddressLookup;
  /** Bound on one FindProxyForURL call, DNS look-ups included. */
  timeLimitMs?: number;
  /** This host's address as myIpAddress() tells it; by default a local interface's. */
  myIpAddress?: () => string;
}

/** The QuickJS heap a PAC script may use; a PAC that builds strings without end hits it. */
const MEMORY_LIMIT = 32 * 1024 * 1024;
const DEFAULT_TIME_LIMIT_MS = 1000;

/**
 * The first non-internal IPv4 address of a local interface, else 127.0.0.1. pac-resolver's own
 * myIpAddress opens a socket towards 8.8.8.8 with no timeout to learn it; this dials nothing.
 */
export function localAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

interface PacResolverModule {
  createPacResolver(
    vm: unknown,
    text: string,
    options: { sandbox: Record<string, (...args: never[]) => unknown>; filename: string },
  ): (url: string, host: string) => Promise<string>;
}

/**
 * A real import(): TypeScript turns import() into require() for CommonJS output, and require() of
 * an ES module needs Node 20.19, above the engines floor (20.18).
 */
const nativeImport = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;
const importEsm = (name: string) => nativeImport(pathToFileURL(require.resolve(name)).href);

/** Where a sandboxed call stands: the deadline of the evaluation running now. */
interface Clock {
  deadline: number;
}

/**
 * A PAC script compiled in a QuickJS sandbox (pac-resolver): no access to Node, a memory limit,
 * and a time limit per evaluation that an endless loop cannot escape (QuickJS' interrupt handler).
 * Evaluations run one at a time: they share the VM and its clock.
 */
export class PacScript {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly find: (url: string, host: string) => Promise<string>,
    private readonly clock: Clock,
    private readonly timeLimitMs: number,
    private readonly vm: { dispose(): void },
  ) {}

  /** Frees the engine once the evaluations under way have ended (a new PAC file replaced it). */
  dispose(): void {
    void this.queue.then(() => this.vm.dispose());
  }

  /** Compiles `text`; a script that does not compile or has no FindProxyForURL is an ERR_PAC. */
  static async compile(text: string, what: string, options: PacScriptOptions): Promise<PacScript> {
    // ES modules, loaded on first use so that a ptunnel without --pac never pays for the
    // WebAssembly engine; pac-resolver's package.json exports no types this project reads.
    const { QuickJS } = (await importEsm('quickjs-wasi')) as typeof import('quickjs-wasi');
    const { createPacResolver } = (await importEsm('pac-resolver')) as PacResolverModule;
    const clock: Clock = { deadline: Infinity };
    const wasm = readFileSync(require.resolve('quickjs-wasi/quickjs.wasm'));
    const vm = await QuickJS.create({ wasm, memoryLimit: MEMORY_LIMIT, interruptHandler: () => Date.now() > clock.deadline });
    const timeLimitMs = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
    const resolve = async (host: unknown): Promise<string | null> => {
      const left = clock.deadline - Date.now();
      if (typeof host !== 'string' || left <= 0) return null;
      try {
        const found = await options.lookup(host, AbortSignal.timeout(left));
        return (found.find((a) => a.family === 4) ?? found[0])?.address ?? null;
      } catch {
        return null;
      }
    };
    const myIp = options.myIpAddress ?? localAddress;
    const sandbox = {
      dnsResolve: async (host: unknown) => resolve(host),
      isResolvable: async (host: unknown) => (await resolve(host)) !== null,
      myIpAddress: () => myIp(),
      // A PAC's alert() would write to ptunnel's stdout; its messages are of no use to a tunnel.
      alert: () => undefined,
    };
    try {
      const find = createPacResolver(vm, text, { sandbox, filename: 'proxy.pac' });
      return new PacScript(find, clock, timeLimitMs, vm);
    } catch (err) {
      vm.dispose();
      throw usageError('ERR_PAC', `PAC ${what} does not compile: ${oneLine(err)}; fix the file or give another with --pac`, err);
    }
  }

  /** FindProxyForURL("https://HOST:PORT/", "HOST"), parsed; ERR_PAC when it throws, overruns or answers nonsense. */
  evaluate(host: string, port: number): Promise<{ entries: PacEntry[]; result: string; ms: number }> {
    const run = this.queue.then(() => this.evaluateNow(host, port));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async evaluateNow(host: string, port: number): Promise<{ entries: PacEntry[]; result: string; ms: number }> {
    const started = performance.now();
    this.clock.deadline = Date.now() + this.timeLimitMs;
    const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    let result: unknown;
    try {
      result = await this.find(`https://${urlHost}:${port}/`, host);
    } catch (err) {
      const overran = Date.now() > this.clock.deadline;
      const why = overran ? `did not finish within ${this.timeLimitMs} ms` : `threw ${oneLine(err)}`;
      throw usageError('ERR_PAC', `PAC FindProxyForURL for ${host}:${port} ${why}; the tunnel does not go direct on a broken PAC, fix the PAC file`, err);
    } finally {
      this.clock.deadline = Infinity;
    }
    return { entries: parsePacResult(result), result: String(result), ms: performance.now() - started };
  }
}

/** An error from inside the sandbox as one printable line. */
function oneLine(err: unknown): string {
  const text = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return shownBytes(text, 200);
}
