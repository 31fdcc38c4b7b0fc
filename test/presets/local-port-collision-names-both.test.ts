import { loadConfig } from '../../src/config/load';
import { PtunnelError } from '../../src/errors';

function loadError(options: Parameters<typeof loadConfig>[0]): PtunnelError {
  try {
    loadConfig(options);
  } catch (err) {
    return err as PtunnelError;
  }
  throw new Error('expected a collision');
}

describe('a local port wanted twice', () => {
  it('between a preset and an explicit mapping names both', () => {
    const err = loadError({ env: {}, flags: { presets: ['gmail'], tunnels: ['9993:imap.example.com:993'] } });
    expect(err.userError).toBe(true);
    expect(err.message).toBe(
      'local port localhost:9993 is used twice: by preset gmail (localhost:9993 -> imap.gmail.com:993) and by mapping 9993:imap.example.com:993; give one of them another local port',
    );
  });

  it('between two presets under --local-ports same names both', () => {
    const err = loadError({ env: {}, flags: { presets: ['gmail', 'outlook'], localPorts: 'same' } });
    expect(err.message).toMatch(/^local port localhost:993 is used twice: by preset gmail \(.*imap\.gmail\.com:993\) and by preset outlook \(.*outlook\.office365\.com:993\)/);
    expect(err.message).not.toContain('\n');
  });

  it('between a wildcard and a loopback listener on the same port', () => {
    const err = loadError({ env: {}, flags: { listen: '0.0.0.0', tunnels: ['127.0.0.1:2000:a.example:1', '2000:b.example:2'] } });
    expect(err.message).toMatch(/local port 2000 is used twice: by mapping 127\.0\.0\.1:2000:a\.example:1 \(on 127\.0\.0\.1:2000\) and by mapping 2000:b\.example:2 \(on 0\.0\.0\.0:2000\)/);
  });

  it('is no collision on different addresses or for port 0', () => {
    expect(loadConfig({ env: {}, flags: { tunnels: ['127.0.0.1:2000:a.example:1', '127.0.0.2:2000:b.example:2', '0:c.example:3', '0:d.example:4'] } }).tunnels).toHaveLength(4);
  });
});
