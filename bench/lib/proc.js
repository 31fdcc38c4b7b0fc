'use strict';
// Child processes the benchmark starts: each one is tracked by PID and stopped by PID (with the
// descendants it forked, e.g. socat's and proxytunnel's per-connection children), even when the
// run fails.
const { spawn, execFile } = require('node:child_process');
const fs = require('node:fs');

const tracked = new Map(); // pid -> { name, child }

function spawnTracked(name, cmd, args, { logFile, env } = {}) {
  const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
  const child = spawn(cmd, args, { stdio: ['ignore', out, out], env: env ?? process.env });
  if (typeof out === 'number') fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${cmd})`);
  tracked.set(child.pid, { name, child });
  child.once('exit', () => tracked.delete(child.pid));
  child.once('error', () => tracked.delete(child.pid));
  return child;
}

/** PIDs of every live descendant of `root`, from /proc/<pid>/stat. */
function descendants(root) {
  const children = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(entry));
  }
  const out = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop();
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killQuiet(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

async function stopProcess(child, graceMs = 2000) {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const kids = descendants(pid);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  killQuiet(pid, 'SIGTERM');
  for (const k of kids) killQuiet(k, 'SIGTERM');
  const timer = new Promise((resolve) => setTimeout(resolve, graceMs));
  await Promise.race([exited, timer]);
  if (child.exitCode === null && child.signalCode === null) killQuiet(pid, 'SIGKILL');
  for (const k of kids) if (alive(k)) killQuiet(k, 'SIGKILL');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 1000))]);
}

async function stopAll() {
  const all = [...tracked.values()].reverse();
  await Promise.all(all.map(({ child }) => stopProcess(child)));
}

/** Last-resort, synchronous: for process 'exit'. */
function killAllSync() {
  for (const pid of tracked.keys()) {
    for (const k of descendants(pid)) killQuiet(k, 'SIGKILL');
    killQuiet(pid, 'SIGKILL');
  }
}

function readStatus(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => {
      const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
      return m ? Number(m[1]) * 1024 : 0;
    };
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** Resets VmHWM to the current RSS (Linux >= 4.0, "5" in clear_refs). */
function resetPeak(pid) {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** RSS summed over a process and its descendants (counts shared pages once per process). */
function treeRss(pid) {
  let sum = readStatus(pid).rss;
  for (const k of descendants(pid)) sum += readStatus(k).rss;
  return sum;
}

/** CPU time in ms (user + system, with reaped children) of a process and its live descendants. */
function treeCpuMs(pid) {
  const ticks = 100; // USER_HZ on Linux
  let sum = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      /* gone */
    }
  }
  return (sum * 1000) / ticks;
}

function fdCount(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}

/** Samples a process tree's RSS every `everyMs` until stopped; returns the peak. */
function rssSampler(pid, everyMs = 250) {
  let peak = 0;
  const sample = () => {
    const v = treeRss(pid);
    if (v > peak) peak = v;
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

/** Runs a command to completion; never rejects (the caller looks at code and output). */
function run(cmd, args, { timeoutMs = 300_000, env } = {}) {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: env ?? process.env, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        resolve({ code: err ? (err.code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr), error: err });
      },
    );
    if (child.pid !== undefined) {
      tracked.set(child.pid, { name: cmd, child });
      child.once('exit', () => tracked.delete(child.pid));
    }
  });
}

module.exports = {
  spawnTracked,
  stopProcess,
  stopAll,
  killAllSync,
  descendants,
  readStatus,
  resetPeak,
  treeRss,
  treeCpuMs,
  fdCount,
  rssSampler,
  run,
};
