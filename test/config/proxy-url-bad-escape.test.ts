import { parseProxySpec } from '../../src/config/proxy-spec';
import { usageErrorOf } from './config-helpers';

/* A bad %-escape in the proxy URL's credentials gave only "URI malformed", and not as a usage error. */
it.each([
  ['in the user', 'http://al%zzice:secret@proxy.example:3128', /the user name has a bad %-escape "%zz"/],
  ['in the password', 'http://alice:se%E0%A4cret@proxy.example:3128', /the password has a bad %-escape/],
  ['at the end', 'http://alice%:secret@proxy.example:3128', /the user name has a bad %-escape "%"/],
])('a bad escape %s is named, with the fix, without the password', (_where, spec, problem) => {
  const { message } = usageErrorOf(() => parseProxySpec(spec), 'ERR_PROXY_SPEC');
  expect(message).toMatch(problem);
  expect(message).toMatch(/write a literal % as %25/);
  expect(message).not.toContain('secret');
  expect(message).not.toContain('se%E0');
});
