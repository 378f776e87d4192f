#!/usr/bin/env node
// The `amplify` command: the CLI bundle built by `npm run build` (run by `npm install`).
import('../dist/cli.js');
