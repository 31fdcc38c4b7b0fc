#!/usr/bin/env node
// Writes the Helm chart's preset table from presets/*.yaml with ptunnel's own loader and renderer.
// Runs on the build output: `npm run gen:helm-presets` builds first.
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { loadPresetCatalog } = require('../dist/presets/load');
const { chartPresetTable } = require('../dist/presets/chart-table');

const file = join(__dirname, '..', 'helm', 'ptunnel', 'templates', '_presets.tpl');
writeFileSync(file, chartPresetTable(loadPresetCatalog().presets.values()));
console.log(`wrote ${file}`);
