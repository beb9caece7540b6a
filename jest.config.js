/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { swcrc: true }] },
  moduleNameMapper: { '^@ztsdb/(.*)$': '<rootDir>/libs/$1/src' },
  testTimeout: 60000,
  // Integration tests each start their own nats-server; two workers fit two cores.
  maxWorkers: 2,
};
