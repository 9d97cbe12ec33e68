/** Jest with swc: NestJS 12 ships as ES modules, which swc turns into CommonJS for Jest. */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{apps,libs,projections,test}/**/*.{spec,e2e-spec}.ts'],
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  // The @punchcard/* path aliases of tsconfig.json (the build rewrites them with tsc-alias).
  moduleNameMapper: {
    '^@punchcard/domain/testing$': '<rootDir>/libs/domain/src/testing',
    '^@punchcard/projections$': '<rootDir>/projections',
    '^@punchcard/([a-z-]+)$': '<rootDir>/libs/$1/src',
  },
  transformIgnorePatterns: ['/node_modules/(?!@nestjs/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
};
