#!/usr/bin/env node
/*
 * Start-up to listening, median of N runs: node scripts/startup-time.js [N] -- COMMAND...
 * Times from spawn to the first "listening on" log line of a one-tunnel ptunnel.
 */
'use strict';
const { spawn } = require('node:child_process');

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const runs = Number(sep > 0 ? argv[0] : 10);
const command = argv.slice(sep + 1);

function once() {
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
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  times.sort((a, b) => a - b);
  process.stdout.write(`${command.join(' ')}: median ${times[Math.floor(runs / 2)].toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times[runs - 1].toFixed(0)}, ${runs} runs)\n`);
})();
