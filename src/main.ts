#!/usr/bin/env node
import { keepHeapSmall } from './util/heap';

// First, before the CLI's modules load (keepHeapSmall says why).
keepHeapSmall();

void import('./cli/main')
  .then(({ main }) => main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
    // Everything is closed by now, so the process ends by itself; should a straggler hold the
    // event loop, this timer (which alone would not) ends it.
    setTimeout(() => process.exit(code), 500).unref();
  });
