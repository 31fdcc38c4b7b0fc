import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, cleanEnv, RunningCli, startCli } from './cli';

export interface ProbedRun {
  /** A probe in test/support that `node -r` loads; on SIGUSR2 it writes its figures as JSON to the file named by `outVar`. */
  probe: string;
  outVar: string;
  /** ptunnel's arguments; it must open one tunnel. */
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Flags on node's own command line. */
  nodeArgs?: string[];
  /** What to do with the running ptunnel before the probe is asked. */
  during?: (cli: RunningCli) => Promise<void>;
}

/** Runs a ptunnel with a probe loaded, drives it, and returns what the probe saw then. */
export async function probedRun<T>(run: ProbedRun): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptunnel-probe-'));
  const out = path.join(dir, 'probe.json');
  let cli: RunningCli | undefined;
  try {
    const env = cleanEnv({ XDG_RUNTIME_DIR: dir, ...run.env, [run.outVar]: out });
    cli = await startCli(run.args, 1, env, [process.execPath, ...(run.nodeArgs ?? []), '-r', path.join(__dirname, run.probe), CLI]);
    await run.during?.(cli);
    cli.proc.kill('SIGUSR2');
    for (let i = 0; i < 100 && !fs.existsSync(out); i += 1) await new Promise((r) => setTimeout(r, 50));
    return JSON.parse(fs.readFileSync(out, 'utf8')) as T;
  } finally {
    cli?.proc.kill('SIGTERM');
    await cli?.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
