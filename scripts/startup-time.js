#!/usr/bin/env node
/*
 * Start-up to listening, median of N runs: node scripts/startup-time.js [N] -- COMMAND... [-- COMMAND...]
 * Times from spawn to the first "listening on" log line of a one-tunnel ptunnel. With several
 * commands the runs alternate (A, B, A, B, ...), so that a machine that slows down or speeds up
 * during the series weighs on each alike.
 */
'use strict';
const { spawn } = require('node:child_process');

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const runs = Number(sep > 0 ? argv[0] : 10);
const commands = [];
for (const arg of argv.slice(sep + 1)) {
  if (arg === '--' || commands.length === 0) commands.push([]);
  if (arg !== '--') commands[commands.length - 1].push(arg);
}
if (!(runs >= 1) || commands.length === 0 || commands.some((c) => c.length === 0)) {
  process.stderr.write('usage: node scripts/startup-time.js [N] -- COMMAND... [-- COMMAND...]\n');
  process.exit(2);
}

function once(command) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(command[0], [...command.slice(1), '--log-format', 'text', '--dns', '127.0.0.1:1', '0:127.0.0.1:9'], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH } });
    let err = '';
    let ms;
    p.stderr.on('data', (c) => {
      err += c;
      if (ms === undefined && /listening on /.test(err)) {
        ms = Number(process.hrtime.bigint() - t0) / 1e6;
        p.kill('SIGKILL');
      }
    });
    p.once('exit', (code) => (ms === undefined ? reject(new Error(`exited ${code} before listening: ${err}`)) : resolve(ms)));
  });
}

(async () => {
  const times = commands.map(() => []);
  for (let i = 0; i < runs; i++) for (const [j, command] of commands.entries()) times[j].push(await once(command));
  for (const [j, command] of commands.entries()) {
    const t = times[j].sort((a, b) => a - b);
    process.stdout.write(`${command.join(' ')}: median ${t[Math.floor(runs / 2)].toFixed(0)} ms (min ${t[0].toFixed(0)}, max ${t[runs - 1].toFixed(0)}, ${runs} runs)\n`);
  }
})();
