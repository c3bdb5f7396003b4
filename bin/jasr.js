#!/usr/bin/env node
// Thin launcher: runs the TypeScript CLI through tsx so `npx jasr` works without a build step.
'use strict';
require('tsx/cjs');
require('../src/cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => { process.exitCode = code; })
  .catch((err) => { console.error(err && err.stack ? err.stack : String(err)); process.exitCode = 1; });
