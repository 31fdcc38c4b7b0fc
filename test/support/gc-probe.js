'use strict';
// Loaded with `node --expose-gc -r` into a ptunnel under test: on SIGUSR2 it runs a full garbage
// collection and writes process.memoryUsage() to the file named by PTUNNEL_TEST_GC_OUT, so that
// a leak check compares live objects rather than whatever garbage V8 had not yet collected.
const fs = require('node:fs');

process.on('SIGUSR2', () => {
  global.gc();
  const out = process.env.PTUNNEL_TEST_GC_OUT;
  fs.writeFileSync(`${out}.tmp`, JSON.stringify(process.memoryUsage()));
  fs.renameSync(`${out}.tmp`, out);
});
