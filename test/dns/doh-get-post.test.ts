import { Resolver } from '../../src/dns/resolver';
import { parseDnsServer } from '../../src/dns/servers';
import { DohServer, makeTestCa, startDohServer, TestCa } from '../support/doh-server';
import { fromTable } from '../support/fake-dns';

describe('DNS over HTTPS (RFC 8484) against a test endpoint with a test CA', () => {
  let tls: TestCa;
  let doh: DohServer;
  beforeAll(async () => {
    tls = makeTestCa();
    doh = await startDohServer(
      tls,
      fromTable([
        { type: 'A', name: 'mail.test', data: '192.0.2.40', ttl: 90 },
        { type: 'AAAA', name: 'mail.test', data: '2001:db8::40', ttl: 90 },
      ]),
    );
  });
  afterAll(() => doh.close());

  it('POSTs application/dns-message by default', async () => {
    const resolver = new Resolver({ servers: [parseDnsServer(doh.url)], timeoutMs: 5000, retries: 0, cache: false, doh: { ca: tls.ca } });
    try {
      await expect(resolver.lookup('mail.test')).resolves.toEqual([
        { address: '2001:db8::40', family: 6 },
        { address: '192.0.2.40', family: 4 },
      ]);
    } finally {
      await resolver.close();
    }
    expect(doh.requests.map((r) => r.method)).toEqual(['POST', 'POST']);
    expect(doh.requests[0]).toMatchObject({ path: '/dns-query', contentType: 'application/dns-message', accept: 'application/dns-message' });
    expect(doh.queries.every((q) => q.id === 0)).toBe(true);
  });

  it('uses GET with ?dns= for an RFC 8484 URI template', async () => {
    doh.requests.length = 0;
    const resolver = new Resolver({ servers: [parseDnsServer(`${doh.url}{?dns}`)], timeoutMs: 5000, retries: 0, cache: false, doh: { ca: tls.ca } });
    try {
      const [report] = await resolver.queryEach('mail.test');
      expect(report?.answer?.addresses.map((a) => a.address)).toEqual(['2001:db8::40', '192.0.2.40']);
      expect(report?.answer?.ttl).toBe(90);
      expect(report?.answer?.via).toEqual(['doh', 'doh']);
    } finally {
      await resolver.close();
    }
    expect(doh.requests.map((r) => r.method)).toEqual(['GET', 'GET']);
  });

  it('refuses a server whose certificate it cannot verify, as a transport error', async () => {
    const resolver = new Resolver({ servers: [parseDnsServer(doh.url)], timeoutMs: 5000, retries: 0, cache: false });
    try {
      await expect(resolver.lookup('mail.test')).rejects.toMatchObject({ code: 'ERR_DNS_TRANSPORT' });
    } finally {
      await resolver.close();
    }
  });
});
