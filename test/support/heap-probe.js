'use strict';
// Loaded with `node -r` into a ptunnel under test: on SIGUSR2 it writes the size of V8's young
// generation (the new space's two semi-spaces) to the file named by PTUNNEL_TEST_HEAP_OUT.
const fs = require('node:fs');
const v8 = require('node:v8');

process.on('SIGUSR2', () => {
  const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  fs.writeFileSync(process.env.PTUNNEL_TEST_HEAP_OUT, JSON.stringify({ newSpaceBytes: space ? space.space_size : -1 }));
});
