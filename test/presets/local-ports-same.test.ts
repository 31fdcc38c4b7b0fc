import { loadConfig } from '../../src/config/load';
import { PtunnelError } from '../../src/errors';
import { silentLogger } from '../../src/log/logger';
import { TunnelService } from '../../src/tunnel/service';
import { asNobody } from '../support/as-nobody';
import { needsRoot } from '../support/root';

// An address of its own on loopback, so that real mail servers or other tests on 993 do not matter.
const LISTEN = '127.0.99.5';
const notRoot = needsRoot('binding ports below 1024');

describe('--local-ports same', () => {
  const config = () => loadConfig({ env: {}, flags: { presets: ['gmail'], localPorts: 'same', listen: LISTEN } });

  it('maps each remote port to itself', () => {
    expect(config().tunnels.map((t) => `${t.localPort}:${t.host}:${t.port}`)).toEqual([
      '993:imap.gmail.com:993',
      '587:smtp.gmail.com:587',
      '465:smtp.gmail.com:465',
    ]);
  });

  (notRoot ? it.skip : it)(`listens on 993, 587 and 465 when allowed to${notRoot ? ` (skipped: ${notRoot})` : ''}`, async () => {
    const service = new TunnelService({ config: config(), logger: silentLogger });
    await service.start();
    try {
      expect(service.snapshot().tunnels.map((t) => t.port)).toEqual([993, 587, 465]);
    } finally {
      await service.close();
    }
  });

  it('without privilege, says how to allow it and binds nothing', async () => {
    const service = new TunnelService({ config: config(), logger: silentLogger });
    const err = (await asNobody(() => service.start().then(() => undefined, (e: unknown) => e))) as PtunnelError;
    expect(err).toBeInstanceOf(PtunnelError);
    expect(err.code).toBe('ERR_LISTEN');
    expect(err.message).toMatch(/^cannot listen on 127\.0\.99\.5:993: ports below 1024 need privilege/);
    expect(err.message).toMatch(/presets: drop --local-ports same/);
    expect(err.message).toMatch(/NET_BIND_SERVICE/);
    expect(err.message).toMatch(/net\.ipv4\.ip_unprivileged_port_start=0 \(Docker and Podman set it/);
    expect(service.snapshot().tunnels).toHaveLength(0);
  });
});
