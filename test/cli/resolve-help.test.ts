import { main } from '../../src/cli/main';
import { captureIo } from '../support/cli';

describe('ptunnel resolve --help', () => {
  it.each([[['resolve', '--help']], [['resolve', '-h']], [['-v', 'resolve', '--help']]])('%j prints the help of resolve, not the tunnel options', async (argv) => {
    const { out, io } = captureIo();
    expect(await main(argv, io)).toBe(0);
    expect(out.stdout).toMatch(/^Usage: ptunnel resolve NAME/);
    expect(out.stdout).toContain('--dns VALUE');
    expect(out.stdout).not.toContain('--proxy');
    expect(out.stdout).not.toContain('LOCAL_PORT:HOST:PORT');
    expect(out.stderr).toBe('');
  });
});
