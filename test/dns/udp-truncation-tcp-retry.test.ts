import { Resolver } from '../../src/dns/resolver';
import { queryUdpOnce } from '../../src/dns/transport-udp';
import { Dnsmasq, startDnsmasq } from '../support/dnsmasq';

describe('an answer too big for UDP', () => {
  let dnsmasq: Dnsmasq;
  const many = Array.from({ length: 120 }, (_, i) => `10.9.${Math.floor(i / 200)}.${(i % 200) + 1}`);
  beforeAll(async () => {
    dnsmasq = await startDnsmasq({ hosts: { 'big.test': many } });
  });
  afterAll(() => dnsmasq.stop());

  it('comes back truncated over UDP and is asked again over TCP, complete', async () => {
    const server = { host: '127.0.0.1', port: dnsmasq.port, label: 'dnsmasq' };
    const udp = await queryUdpOnce(server, { name: 'big.test', type: 'A' }, { timeoutMs: 2000 });
    expect(udp.response.truncated).toBe(true);
    expect(udp.response.records.length).toBeLessThan(many.length);
    const resolver = new Resolver({ servers: [], timeoutMs: 2000, retries: 0, cache: false });
    const answer = await resolver.queryServer({ kind: 'udp', host: '127.0.0.1', port: dnsmasq.port, label: 'dnsmasq' }, 'big.test');
    expect(answer.addresses.map((a) => a.address).sort()).toEqual([...many].sort());
    // 120 x 16 bytes overflow the 1232-byte EDNS size; the A answer that counted came over TCP.
    expect(answer.via).toEqual(['tcp']);
    expect(dnsmasq.log()).toMatch(/query\[A\] big\.test from 127\.0\.0\.1/);
  });
});
