#!/usr/bin/env node
/*
 * npm run build:binary: ptunnel as one executable file (Node's single executable applications).
 *   1. esbuild bundles dist/main.js and its dependencies into one CommonJS file (node20 target);
 *      native modules (kerberos) stay outside: the binary loads them from node_modules/ next to it.
 *   2. a SEA config embeds presets/*.yaml and package.json as assets; node --experimental-sea-config
 *      writes the blob (with V8's code cache, which starts faster).
 *   3. a copy of this node binary gets the blob injected with postject.
 * The output is dist/bin/ptunnel-PLATFORM-ARCH (.exe on Windows). The same script runs on macOS
 * (it removes the signature before injecting and signs ad hoc after, as Node's docs require) and
 * on Windows (signtool is optional: an unsigned .exe runs).
 * Options: --no-code-cache (for comparing start-up), --out FILE.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { copyFileSync, chmodSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'dist', 'bin');
const args = process.argv.slice(2);
const useCodeCache = !args.includes('--no-code-cache');
const outIndex = args.indexOf('--out');
const exe = process.platform === 'win32' ? '.exe' : '';
const out = outIndex >= 0 ? args[outIndex + 1] : join(BIN, `ptunnel-${process.platform}-${process.arch}${exe}`);

// Modules with native code: they cannot be bundled and are optional (kerberos for Negotiate).
const NATIVE = ['kerberos'];

function run(cmd, argv) {
  execFileSync(cmd, argv, { cwd: ROOT, stdio: 'inherit' });
}

async function main() {
  mkdirSync(BIN, { recursive: true });
  const bundle = join(BIN, 'ptunnel.cjs');
  await require('esbuild').build({
    entryPoints: [join(ROOT, 'dist', 'main.js')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: bundle,
    external: NATIVE,
    legalComments: 'none',
    logLevel: 'warning',
    // Inside a SEA, require() loads built-in modules only; for the native modules left outside
    // the bundle it becomes a require rooted at the executable, so node_modules/kerberos next
    // to the binary is found.
    banner: {
      js: "if (require('node:sea').isSea()) require = require('node:module').createRequire(process.execPath);",
    },
  });

  const presets = readdirSync(join(ROOT, 'presets')).filter((n) => /\.ya?ml$/i.test(n)).sort();
  const index = join(BIN, 'presets-index.txt');
  writeFileSync(index, `${presets.join('\n')}\n`);
  const assets = { 'package.json': join(ROOT, 'package.json'), 'presets/index': index };
  for (const n of presets) assets[`presets/${n}`] = join(ROOT, 'presets', n);
  const blob = join(BIN, 'ptunnel.blob');
  const seaConfig = join(BIN, 'sea-config.json');
  writeFileSync(seaConfig, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache, assets }, null, 2));
  run(process.execPath, ['--experimental-sea-config', seaConfig]);

  // Built beside the target and renamed at the end, so that a failed step never leaves a plain
  // node binary under the executable's name.
  rmSync(out, { force: true });
  const part = `${out}.part`;
  copyFileSync(process.execPath, part);
  chmodSync(part, 0o755);
  if (process.platform === 'darwin') run('codesign', ['--remove-signature', part]);
  // The fuse is Node's own constant (doc/api/single-executable-applications.md).
  const postject = [require.resolve('postject/dist/cli.js'), part, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'];
  if (process.platform === 'darwin') postject.push('--macho-segment-name', 'NODE_SEA');
  run(process.execPath, postject);
  if (process.platform === 'darwin') run('codesign', ['--sign', '-', part]);
  renameSync(part, out);
  const mb = (statSync(out).size / 1e6).toFixed(1);
  process.stdout.write(`wrote ${relative(ROOT, out)} (${mb} MB, code cache ${useCodeCache ? 'on' : 'off'})\n`);
}

main().catch((err) => {
  process.stderr.write(`build-binary: ${err.message}\n`);
  process.exit(1);
});
