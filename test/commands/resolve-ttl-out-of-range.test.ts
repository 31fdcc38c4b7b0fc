import { loadConfig } from '../../src/config/load';
import { runResolve } from '../../src/commands/resolve';
import { answer, FakeDns, startFakeDns } from '../support/fake-dns';
import { captureIo } from '../support/cli';

describe('ptunnel resolve prints a TTL as ptunnel uses it', () => {
  let dns: FakeDns;
  const ttls: Record<string, number> = { 'max.test': 4294967295, 'day.test': 86400, 'zero.test': 0, 'plain.test': 300 };
  beforeAll(async () => {
    dns = await startFakeDns((q) => answer(q, q.type === 'A' ? [{ type: 'A', name: q.name, data: '192.0.2.1', ttl: ttls[q.name] ?? 60 }] : []));
  });
  afterAll(() => dns.close());

  it.each([
    ['max.test', / ttl 4294967295s is out of range \(RFC 2181: at most 2147483647\); ptunnel caches it 1h /],
    ['day.test', / ttl 86400s, ptunnel caches it 1h /],
    ['zero.test', / ttl 0s, ptunnel caches it 5s /],
    ['plain.test', / ttl 300s /],
  ])('%s', async (name, said) => {
    const config = loadConfig({ env: {}, flags: { 'dns.servers': [dns.spec] } });
    const { io, out } = captureIo();
    expect(await runResolve({ name, config, verbosity: 0 }, io, { systemLookup: async () => [{ address: '192.0.2.1', family: 4 }] })).toBe(0);
    expect(out.stdout).toMatch(said);
    if (name === 'plain.test') expect(out.stdout).not.toMatch(/caches/);
  });
});
