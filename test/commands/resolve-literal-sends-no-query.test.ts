import { loadConfig } from '../../src/config/load';
import { runResolve } from '../../src/commands/resolve';
import { answer, FakeDns, startFakeDns } from '../support/fake-dns';
import { captureIo } from '../support/cli';

describe('ptunnel resolve on an IP literal or localhost', () => {
  let dns: FakeDns;
  beforeAll(async () => {
    dns = await startFakeDns((q) => answer(q, q.type === 'A' ? [{ type: 'A', name: q.name, data: '192.0.2.1' }] : []));
  });
  afterAll(() => dns.close());

  it.each([
    ['127.0.0.1', /^127\.0\.0\.1 is an IP address: ptunnel connects to it as given, without DNS$/m],
    ['::1', /^::1 is an IP address: ptunnel connects to it as given, without DNS$/m],
    ['192.0.2.7', /^192\.0\.2\.7 is an IP address/m],
    ['localhost', /^localhost is loopback: ptunnel connects to ::1, 127\.0\.0\.1 without DNS \(the hosts file is not read\)$/m],
  ])('%s: answers without a query', async (name, said) => {
    const config = loadConfig({ env: {}, flags: { 'dns.servers': [dns.spec] } });
    const { io, out } = captureIo();
    const before = dns.queries.length;
    expect(await runResolve({ name, config, verbosity: 0 }, io, { systemLookup: async () => [] })).toBe(0);
    expect(dns.queries.length - before).toBe(0);
    expect(out.stdout).toMatch(said);
  });
});
