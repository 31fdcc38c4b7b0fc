#!/usr/bin/env node
// Writes `ptunnel --help` into the README's Options section, so the README says exactly what the
// program says. Runs on the build output: `npm run gen:readme-help` builds first.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tunnelHelp } = require('../dist/cli/help');
const { readmeWithHelp } = require('../dist/cli/readme-help');

const file = join(__dirname, '..', 'README.md');
writeFileSync(file, readmeWithHelp(readFileSync(file, 'utf8'), tunnelHelp()));
console.log(`wrote the Options section of ${file}`);
