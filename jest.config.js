// Workers inherit the parent's environment: silence the AWS SDK's Node 20 notice once, here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// Four projects so `npm test` can run them as separate steps and CI output says which failed.
// ts-jest transpiles only (isolatedModules): type-checking is `npm run typecheck`, once, with tsc.
// @middy and jose ship ES modules only, so they are transformed to CommonJS with the rest.
const common = {
  transform: { '^.+\\.[tj]sx?$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }] },
  transformIgnorePatterns: ['/node_modules/(?!(@middy|jose)/)'],
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/setup-env.js'],
};

/** @type {import('jest').Config} */
module.exports = {
  reporters: ['default', '<rootDir>/test/counts-reporter.js'],
  // Jest reads testTimeout only here, not per project (a project's own was ignored: every test had 5 s,
  // which integration tests exceed on a loaded 2-core machine). Tests that need longer say so.
  testTimeout: 30000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.mjs',
      globalTeardown: '<rootDir>/test/integration/global-teardown.mjs',
      // jest 30 reads `testTimeout` only from the global config (a project's is ignored): set it per project here.
      setupFilesAfterEnv: ['<rootDir>/test/integration/timeout.js'],
    },
    // The billing console in headless Chromium (Debian's package) against npm start's runtime, which the
    // test starts itself on free ports (test/console/support.ts).
    {
      ...common,
      displayName: 'console',
      testMatch: ['<rootDir>/test/console/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/console/timeout.js'],
    },
    {
      ...common,
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/infra/timeout.js'],
    },
  ],
};
