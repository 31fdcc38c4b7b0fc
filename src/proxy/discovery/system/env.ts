import type { SystemProxy } from './types';

const first = (env: NodeJS.ProcessEnv, names: string[]) => names.map((n) => env[n]?.trim()).find((v) => v !== undefined && v !== '');

/** The environment's proxy variables, read as curl reads them (lower case first). */
export function envProxy(env: NodeJS.ProcessEnv): SystemProxy {
  const proxy = first(env, ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']);
  const noProxy = first(env, ['no_proxy', 'NO_PROXY']);
  return { from: 'env', proxies: proxy ? proxy.split(',').map((s) => s.trim()).filter(Boolean) : [], noProxy: noProxy ? noProxy.split(',').map((s) => s.trim()).filter(Boolean) : [] };
}
