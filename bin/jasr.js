#!/usr/bin/env node
// Thin launcher: runs the TypeScript CLI through tsx so `npx jasr` works without a build step.
'use strict';
require('tsx/cjs');
const cli = require('../src/cli/main.ts');
// The benchmark lives in bench/ (it drives PyTorch too); it registers its command here so src/ stays self-contained.
cli.registerCommand('bench', () => require('../bench/command.ts').command);
cli
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    console.error(err && err.stack ? err.stack : String(err));
    process.exitCode = 1;
  });
