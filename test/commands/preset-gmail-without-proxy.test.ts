import { configFromArgs } from '../../src/cli/runtime';
import { parseCommandLine } from '../../src/cli/args';
import { silentLogger } from '../../src/log/logger';
import { TunnelService } from '../../src/tunnel/service';

// The README's first command, `npm start -- --preset gmail`, on a machine without any proxy.
describe('--preset gmail with no proxy configured', () => {
  it('runs in direct mode and listens on 9993, 5587 and 4465', async () => {
    // A loopback address of its own, in case a real ptunnel holds 127.0.0.1:9993 here.
    const args = parseCommandLine(['--preset', 'gmail', '--listen', '127.0.99.6']);
    const config = configFromArgs(args, { stdout: () => undefined, stderr: () => undefined, env: {} }, args.positionals);
    expect(config.mode).toBe('direct');
    expect(config.proxy).toBeUndefined();
    const service = new TunnelService({ config, logger: silentLogger });
    await service.start();
    try {
      expect(service.snapshot().tunnels.map((t) => `${t.address}:${t.port}`)).toEqual(['127.0.99.6:9993', '127.0.99.6:5587', '127.0.99.6:4465']);
      expect(service.snapshot().tunnels.map((t) => t.route)).toEqual(['direct', 'direct', 'direct']);
    } finally {
      await service.close();
    }
  });
});
