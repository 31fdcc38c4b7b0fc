'use strict';
// Loaded with `node -r` into a ptunnel under test: on SIGUSR2 it writes the size of V8's young
// generation (the new space's two semi-spaces) and of its old space to the file named by
// PTUNNEL_TEST_HEAP_OUT.
const fs = require('node:fs');
const v8 = require('node:v8');

process.on('SIGUSR2', () => {
  const spaces = v8.getHeapSpaceStatistics();
  const size = (name) => spaces.find((s) => s.space_name === name)?.space_size ?? -1;
  // Whole or not at all: the test reads the file as soon as it exists.
  const out = process.env.PTUNNEL_TEST_HEAP_OUT;
  fs.writeFileSync(`${out}.tmp`, JSON.stringify({ newSpaceBytes: size('new_space'), oldSpaceBytes: size('old_space') }));
  fs.renameSync(`${out}.tmp`, out);
});
