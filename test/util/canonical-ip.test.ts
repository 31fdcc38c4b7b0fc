import { LoopGuard } from '../../src/dns/loop-guard';
import { canonicalIp } from '../../src/util/ip';

describe('one spelling per IP address', () => {
  it.each([
    ['::ffff:7f00:1', '127.0.0.1'],
    ['::FFFF:127.0.0.1', '127.0.0.1'],
    ['::ffff:a00:5', '10.0.0.5'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:DB8:0:0::1', '2001:db8::1'],
    ['192.0.2.1', '192.0.2.1'],
  ])('%s -> %s', (input, output) => expect(canonicalIp(input)).toBe(output));

  it('lets the loop guard see loopback in every IPv6 spelling', () => {
    const guard = new LoopGuard([]);
    for (const a of ['::ffff:7f00:1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) expect(guard.reason(a)).toBeDefined();
  });
});
