'use strict';
// Loaded with `node -r` into a ptunnel under test: on SIGUSR2 it writes what the process has
// loaded so far, Node's built-ins by name and packages by their folder under node_modules, to the
// file named by PTUNNEL_TEST_MODULES_OUT.
const fs = require('node:fs');

process.on('SIGUSR2', () => {
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
  const packages = new Set();
  for (const file of Object.keys(require.cache)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    if (m) packages.add(m[1]);
  }
  // Whole or not at all: the test reads the file as soon as it exists.
  const out = process.env.PTUNNEL_TEST_MODULES_OUT;
  fs.writeFileSync(`${out}.tmp`, JSON.stringify({ builtins, packages: [...packages].sort() }));
  fs.renameSync(`${out}.tmp`, out);
});
