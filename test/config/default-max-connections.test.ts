import { readFileSync } from 'node:fs';
import { loadConfig } from '../../src/config/load';
import { defaultMaxConnections, descriptorLimit, DESCRIPTOR_RESERVE } from '../../src/config/limits';
import { TEST_ENV } from '../support/cli';

const limits = (soft: string) =>
  `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 524288               files\n`;

describe('the default --max-connections follows the open-files limit', () => {
  it('is (soft limit - reserve) / 2, since each tunnelled connection holds two descriptors', () => {
    expect(descriptorLimit(limits('300'))).toBe(300);
    expect(defaultMaxConnections(300)).toBe((300 - DESCRIPTOR_RESERVE) / 2);
    expect(defaultMaxConnections(1024)).toBe(480);
    // Never 0 (which would mean no limit) under a tiny limit; no limit when files are unlimited.
    expect(defaultMaxConnections(10)).toBe(1);
    expect(descriptorLimit(limits('unlimited'))).toBeUndefined();
    expect(defaultMaxConnections(undefined)).toBe(0);
  });

  it('reads this process limit when no --max-connections is given; a given value, 0 too, wins', () => {
    const soft = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1]);
    const load = (flags: Record<string, unknown>) => loadConfig({ env: { ...TEST_ENV }, flags: { tunnels: ['0:127.0.0.1:1'], ...flags } });
    expect(load({}).limits.maxConnections).toBe(Math.max(1, Math.floor((soft - DESCRIPTOR_RESERVE) / 2)));
    expect(load({ maxConnections: '0' }).limits.maxConnections).toBe(0);
    expect(load({ maxConnections: '7' }).limits.maxConnections).toBe(7);
    expect(loadConfig({ env: { ...TEST_ENV, PTUNNEL_MAX_CONNECTIONS: '0' }, flags: { tunnels: ['0:127.0.0.1:1'] } }).limits.maxConnections).toBe(0);
  });
});
