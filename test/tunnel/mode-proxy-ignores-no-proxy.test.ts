import { loadConfig } from '../../src/config/load';
import { parseTunnelSpec } from '../../src/config/tunnel-spec';
import { silentLogger } from '../../src/log/logger';
import { Router } from '../../src/tunnel/router';

describe('NO_PROXY and the modes', () => {
  const tunnel = parseTunnelSpec('9993:imap.corp.example:993');
  const plan = (mode: string) => {
    const config = loadConfig({ env: { NO_PROXY: '.corp.example' }, flags: { 'proxy.url': 'proxy:3128', mode } });
    return new Router({ config, lookup: async () => [], logger: silentLogger }).plan(tunnel);
  };

  it('auto sends NO_PROXY targets direct', () => {
    expect(plan('auto')).toEqual({ route: 'direct', reason: 'no_proxy' });
  });

  it('proxy mode never goes direct, whatever NO_PROXY says', () => {
    expect(plan('proxy')).toMatchObject({ route: 'proxy' });
  });
});
