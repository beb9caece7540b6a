'use strict';
/**
 * Jest loads the suite as CommonJS; NestJS 12 and a few of its dependencies
 * ship ES modules only. This transform turns those node_modules files into
 * CommonJS with SWC (jest.config.js lists which packages). `import.meta.url`,
 * which CommonJS has no syntax for, becomes the file's own URL, the value it
 * has under Node's ESM loader; dynamic `import()` becomes `require`, so jest's
 * module registry (and its mocks and module isolation) sees every file.
 */
const { transformSync, version } = require('@swc/core');
const createCacheKey = require('@jest/create-cache-key-function').default;

const OPTIONS = {
  swcrc: false,
  configFile: false,
  sourceMaps: 'inline',
  jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' },
  module: { type: 'commonjs', ignoreDynamic: false },
};

module.exports = {
  process(source, filename) {
    const code = source.includes('import.meta.url')
      ? source.replaceAll('import.meta.url', "require('node:url').pathToFileURL(__filename).href")
      : source;
    const out = transformSync(code, { ...OPTIONS, filename });
    return { code: out.code, map: out.map };
  },
  getCacheKey: createCacheKey([__filename], [version, JSON.stringify(OPTIONS)]),
};
