import { usageError } from '../errors';
import { readNamedFile } from '../util/files';
import { proxyListener, ProxyListenerSettings } from './listener-policy';
import type { RawSettings } from './schema';
import { settingName } from './setting';

export interface SocksSettings extends ProxyListenerSettings {
  /** RFC 1929 user and password; undefined: no authentication. */
  credentials?: { user: string; password: string };
}

/** --socks and its companions, or undefined when no SOCKS listener was asked for. */
export function resolveSocks(raw: RawSettings): SocksSettings | undefined {
  const text = raw.socks.listen?.trim();
  if (!text) return undefined;
  const listener = proxyListener(raw, 'socks.listen', text, 1080);
  const user = raw.socks.user?.trim() || undefined;
  const passwordFile = raw.socks.passwordFile?.trim() || undefined;
  if ((user === undefined) !== (passwordFile === undefined)) {
    throw usageError('ERR_CONFIG', `${settingName('socks.user')} and ${settingName('socks.passwordFile')} go together; give both or neither`);
  }
  const settings: SocksSettings = { ...listener };
  if (user !== undefined && passwordFile !== undefined) {
    const password = readNamedFile(passwordFile, 'SOCKS password file', 'ERR_CONFIG').toString('utf8').replace(/\r?\n$/, '');
    if (password.length === 0 || Buffer.byteLength(password) > 255 || Buffer.byteLength(user) > 255) {
      throw usageError('ERR_CONFIG', `the SOCKS user name and password must each be 1-255 bytes (RFC 1929); check ${settingName('socks.passwordFile')}`);
    }
    settings.credentials = { user, password };
  }
  return settings;
}
