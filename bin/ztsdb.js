#!/usr/bin/env node
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('ztsdb: not built yet; run `npm run build` first (`npm start` builds it for you)\n');
  process.exit(1);
}
require(main);
