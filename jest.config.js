/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/charts', '<rootDir>/policies', '<rootDir>/infra', '<rootDir>/test'].filter(
    (p) => require('fs').existsSync(p.replace('<rootDir>', __dirname)),
  ),
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/lib/', '/dist/', '/test/e2e/'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 60000,
};
