/**
 * `node -r ./test/support/swc-register.js file.ts`: runs the TypeScript sources in a plain Node process
 * (for tests that need real server processes), compiled on load by swc with the options of
 * jest.config.js, and the @punchcard/* aliases of tsconfig.json resolved. Node loads NestJS's ES modules
 * itself (require of ES modules works on Node >= 20.19).
 */
const { transformSync } = require('@swc/core');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const root = path.join(__dirname, '../..');
const EXACT = { '@punchcard/domain/testing': 'libs/domain/src/testing', '@punchcard/projections': 'projections' };

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const lib = /^@punchcard\/([a-z-]+)$/.exec(request);
  const mapped = EXACT[request] ? path.join(root, EXACT[request]) : lib ? path.join(root, 'libs', lib[1], 'src') : request;
  return resolve.call(this, mapped, ...rest);
};

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
