import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { DestinationPolicy } from '../../src/tunnel/dest-policy';

const OWN_PORTS = [1080, 8080];
/** This host's interfaces, as a test sees them: loopback and one LAN address of each family. */
const HOST = { lo: ['127.0.0.1', '::1'], eth0: ['192.168.1.5', 'fd00::5'] };
const interfaces = () => Object.fromEntries(Object.entries(HOST).map(([name, list]) => [name, list.map((address) => ({ address }) as NetworkInterfaceInfo)]));
const policy = (bound: string[]) => new DestinationPolicy({ allow: [], deny: [] }, () => OWN_PORTS, () => bound, interfaces);
const refusal = (bound: string[], host: string, port: number) => policy(bound).refusal({ host, port });

/*
 * A SOCKS or HTTP proxy client asking for one of ptunnel's own ports at an address of this host
 * would make ptunnel connect to itself; a chain of such requests (each forwarding the rest as
 * early bytes) uses up the connection limit. Loopback always reaches the listeners; the host's
 * other addresses reach them when a listener is bound to the wildcard (or to that address).
 */
describe('destination policy: own listeners at the host\'s addresses', () => {
  it.each<[string[], string, number, boolean]>([
    // bound, destination, port -> refused
    [['0.0.0.0'], '192.168.1.5', 1080, true],
    [['0.0.0.0'], '::ffff:192.168.1.5', 1080, true],
    [['::'], 'fd00::5', 8080, true],
    [['::'], '192.168.1.5', 8080, true],
    [['192.168.1.5'], '192.168.1.5', 1080, true],
    // Bound to loopback only: the LAN address at that port is someone else, not a loop.
    [['127.0.0.1'], '192.168.1.5', 1080, false],
    // Not one of ptunnel's ports, or not this host.
    [['0.0.0.0'], '192.168.1.5', 993, false],
    [['0.0.0.0'], '192.168.1.6', 1080, false],
    // Loopback and the wildcard itself, whatever the binding.
    [['192.168.1.5'], '127.0.0.2', 1080, true],
    [['127.0.0.1'], '0.0.0.0', 8080, true],
  ])('bound to %j: %s port %d refused: %s', (bound, host, port, refused) => {
    const why = refusal(bound, host, port);
    if (refused) expect(why).toMatch(/is ptunnel's own listener and would connect to itself \(built-in denial\)$/);
    else expect(why).toBeUndefined();
  });

  it('a name resolved on the direct route is checked the same way', () => {
    expect(policy(['0.0.0.0']).addressRefusal('192.168.1.5', 1080, 'me.example')).toMatch(/^me\.example:1080 \(192\.168\.1\.5\) is ptunnel's own listener/);
  });

  it("reads this machine's own interfaces when none are given: each of its addresses is refused at an own port", () => {
    const real = new DestinationPolicy({ allow: [], deny: [] }, () => OWN_PORTS, () => ['0.0.0.0']);
    // Link-local ones (fe80::/10) meet the built-in denial of link-local addresses first.
    const addresses = Object.values(networkInterfaces())
      .flatMap((list) => (list ?? []).map((i) => i.address))
      .filter((a) => !/^fe[89ab][0-9a-f]:/i.test(a));
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) expect(real.refusal({ host: address, port: 1080 })).toMatch(/own listener/);
  });
});
