'use strict';
// Loaded with `node -r` into a ptunnel under test: on SIGUSR2 it writes what the process has
// loaded so far, Node's built-ins by name, packages by their folder under node_modules and
// ptunnel's own modules by their path under dist/ ("tunnel/service"), to the file named by
// PTUNNEL_TEST_MODULES_OUT.
const fs = require('node:fs');
const path = require('node:path');

process.on('SIGUSR2', () => {
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
  const packages = new Set();
  const own = [];
  const dist = path.dirname(fs.realpathSync(process.argv[1]));
  for (const file of Object.keys(require.cache)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    if (m) packages.add(m[1]);
    else if (file.startsWith(dist + path.sep)) own.push(path.relative(dist, file).replace(/\.js$/, '').split(path.sep).join('/'));
  }
  // Whole or not at all: the test reads the file as soon as it exists.
  const out = process.env.PTUNNEL_TEST_MODULES_OUT;
  fs.writeFileSync(`${out}.tmp`, JSON.stringify({ builtins, packages: [...packages].sort(), own: own.sort() }));
  fs.renameSync(`${out}.tmp`, out);
});
