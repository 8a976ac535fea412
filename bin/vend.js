#!/usr/bin/env node
// The `vend` CLI: runs client/cli/main.ts through tsx's CommonJS hook (no build step).
require('tsx/cjs');
const { runCli } = require('../client/cli/main.ts');

runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
}).then((code) => {
  process.exitCode = code;
});
