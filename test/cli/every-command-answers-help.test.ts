import { COMMANDS, RUN } from '../../src/cli/commands';
import { main } from '../../src/cli/main';
import { captureIo } from '../support/cli';

describe('--help of every command in the dispatch table', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s --help prints its own help and exits 0', async (_name, command) => {
    const argv = command === RUN ? ['--help'] : [command.name, '--help'];
    const { out, io } = captureIo();
    expect(await main(argv, io)).toBe(0);
    expect(out.stdout).toBe(command.help());
    expect(out.stdout).toMatch(command === RUN ? /^Usage: ptunnel \[options\]/ : new RegExp(`^Usage: ptunnel ${command.name}\\b`));
    expect(out.stderr).toBe('');
  });
});
