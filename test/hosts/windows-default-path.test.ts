import { defaultHostsPath } from '../../src/hosts/file';

describe('the default hosts file', () => {
  it('is /etc/hosts on Linux and macOS', () => {
    expect(defaultHostsPath('linux', {})).toBe('/etc/hosts');
    expect(defaultHostsPath('darwin', {})).toBe('/etc/hosts');
  });

  it('is %SystemRoot%\\System32\\drivers\\etc\\hosts on Windows', () => {
    expect(defaultHostsPath('win32', { SystemRoot: 'D:\\WINNT' })).toBe('D:\\WINNT\\System32\\drivers\\etc\\hosts');
    expect(defaultHostsPath('win32', {})).toBe('C:\\Windows\\System32\\drivers\\etc\\hosts');
  });
});
