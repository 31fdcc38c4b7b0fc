import net from 'node:net';
import { PtunnelError } from '../../src/errors';
import { classifyProxyFailure } from '../../src/proxy/connector';
import { probeProxy } from '../../src/proxy/probe';
import { freePort } from '../support/ports';

describe('the proxy health probe', () => {
  it('resolves when the proxy accepts a TCP connection', async () => {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    await expect(probeProxy({ protocol: 'http', host: '127.0.0.1', port }, 1000)).resolves.toBeUndefined();
    await new Promise((r) => server.close(r));
  });

  it('fails with ERR_PROXY_CONNECT at the connect phase when nothing listens', async () => {
    const port = await freePort();
    const err = (await probeProxy({ protocol: 'http', host: '127.0.0.1', port }, 1000).catch((e: unknown) => e)) as PtunnelError;
    expect(err).toBeInstanceOf(PtunnelError);
    expect(err).toMatchObject({ code: 'ERR_PROXY_CONNECT', details: { phase: 'connect' } });
    expect(err.message).toBe(`cannot connect to proxy http://127.0.0.1:${port}: ECONNREFUSED`);
    expect(classifyProxyFailure(err)).toBe('unreachable');
  });

  it('fails with ERR_PROXY_TIMEOUT at the connect phase when the proxy does not accept in time', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const probe = probeProxy({ protocol: 'http', host: '127.0.0.1', port: await freePort() }, 500);
      jest.advanceTimersByTime(500);
      const err = (await probe.catch((e: unknown) => e)) as PtunnelError;
      expect(err).toBeInstanceOf(PtunnelError);
      expect(err).toMatchObject({ code: 'ERR_PROXY_TIMEOUT', details: { phase: 'connect' } });
      expect(err.message).toMatch(/did not accept a connection within/);
    } finally {
      jest.useRealTimers();
    }
  });
});
