import { Resolver } from '../../src/dns/resolver';
import { Dnsmasq, startDnsmasq } from '../support/dnsmasq';

describe('a CNAME chain served by dnsmasq', () => {
  let dnsmasq: Dnsmasq;
  beforeAll(async () => {
    dnsmasq = await startDnsmasq({
      hosts: { 'real.test': ['192.0.2.20', '2001:db8::20'] },
      cnames: { 'imap.test': 'middle.test', 'middle.test': 'real.test' },
    });
  });
  afterAll(() => dnsmasq.stop());

  it('is followed to the addresses of its last name', async () => {
    const resolver = new Resolver({ servers: [], timeoutMs: 2000, retries: 0, cache: false });
    const answer = await resolver.queryServer({ kind: 'udp', host: '127.0.0.1', port: dnsmasq.port, label: 'dnsmasq' }, 'imap.test');
    expect(answer.chain).toEqual(['middle.test', 'real.test']);
    expect(answer.addresses.map((a) => a.address)).toEqual(['2001:db8::20', '192.0.2.20']);
    // One query per family: dnsmasq sends the whole chain, nothing needed asking again.
    expect(answer.via).toEqual(['udp', 'udp']);
  });
});
