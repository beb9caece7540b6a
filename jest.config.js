/**
 * ES-module-only packages jest must turn into CommonJS to load them in-process
 * (NestJS 12 and what it imports); see jest.esm-transform.cjs.
 */
const ESM_PACKAGES = ['@nestjs', 'file-type', '@standard-schema'];

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { swcrc: true }],
    [`/node_modules/(${ESM_PACKAGES.join('|')})/.+\\.js$`]: '<rootDir>/jest.esm-transform.cjs',
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  moduleNameMapper: { '^@ztsdb/(.*)$': '<rootDir>/libs/$1/src' },
  testTimeout: 60000,
  // Integration tests each start their own nats-server; two workers fit two cores.
  maxWorkers: 2,
};
