import { loadConfig } from '../../src/config/load';
import { settingFile as configFile, usageErrorOf } from './config-helpers';

const messageOf = (load: () => unknown) => usageErrorOf(load).message;

const count = (text: string, part: string) => text.split(part).length - 1;

describe.each([
  // key, how the setting is named, env var, a bad value (a list in a file for list settings), what is wrong
  ['connectTimeout', 'connectTimeout (--connect-timeout, PTUNNEL_CONNECT_TIMEOUT)', 'PTUNNEL_CONNECT_TIMEOUT', '10', /is not a duration; write a number with a unit/],
  ['connectTimeout', 'connectTimeout (--connect-timeout, PTUNNEL_CONNECT_TIMEOUT)', 'PTUNNEL_CONNECT_TIMEOUT', '0', /must be more than 0/],
  ['mode', 'mode (--mode, PTUNNEL_MODE)', 'PTUNNEL_MODE', 'sideways', /must be one of .*auto/],
  ['listen', 'listen (--listen, PTUNNEL_LISTEN)', 'PTUNNEL_LISTEN', 'eth0', /"eth0" is not an IP address/],
  ['admin', 'admin (--admin, PTUNNEL_ADMIN)', 'PTUNNEL_ADMIN', 'x', /"x" is not ADDR:PORT, e.g. 127.0.0.1:9090/],
  ['localPorts', 'localPorts (--local-ports, PTUNNEL_LOCAL_PORTS)', 'PTUNNEL_LOCAL_PORTS', 'remote', /must be one of .*preset.*same/],
  ['dns.servers', 'dns.servers (--dns, PTUNNEL_DNS)', 'PTUNNEL_DNS', ['dns.google'], /DNS server "dns.google": .* is not an IP address/],
  ['dns.timeout', 'dns.timeout (--dns-timeout, PTUNNEL_DNS_TIMEOUT)', 'PTUNNEL_DNS_TIMEOUT', '0', /must be more than 0/],
  ['dns.allow', 'dns.allow (--dns-allow, PTUNNEL_DNS_ALLOW)', 'PTUNNEL_DNS_ALLOW', ['nonsense'], /"nonsense" is not an IP address or CIDR range/],
  ['dns.cache', 'dns.cache (--dns-cache, PTUNNEL_DNS_CACHE)', 'PTUNNEL_DNS_CACHE', 'maybe', /must be true or false/],
])('a bad %s', (key, name, envName, value, problem) => {
  const text = Array.isArray(value) ? value.join(',') : value;
  it.each([
    ['a flag', () => loadConfig({ env: {}, flags: { [key]: value } })],
    ['the environment', () => loadConfig({ env: { [envName]: text } })],
    ['a config file', () => loadConfig({ env: {}, configFile: configFile(key, value) })],
  ])(`given in %s (${JSON.stringify(value)}) gets one line naming the setting once`, (_where, load) => {
    const message = messageOf(load);
    expect(message.startsWith(`invalid ${name}: `)).toBe(true);
    expect(count(message, name)).toBe(1);
    expect(count(message, 'invalid')).toBe(1);
    expect(message).toMatch(problem);
    expect(message).not.toContain('\n');
  });
});
