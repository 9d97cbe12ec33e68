import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { transformFileSync } from '@swc/core';

const ROOT = resolve(__dirname, '../../..');
/** Where the reliability suites' build of the service goes (plain Node runs it, like `npm start` runs dist/). */
export const BUILD_DIR = join(ROOT, '.tmp', 'reliability-build');
export const SERVER_ENTRY = join(BUILD_DIR, 'apps/api/src/main.js');
export const CLI_ENTRY = join(BUILD_DIR, 'apps/cli/src/main.js');

/** The path aliases, from tsconfig.json itself: a library added there is compiled here too. */
const ALIASES: Record<string, string[]> = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')).compilerOptions.paths;

/**
 * Compiles the service (apps, libs, projections; no tests) to CommonJS with swc, the way `npm run build`
 * does with tsc, in a second or two instead of a minute: the crash suites run the real server from it as
 * child processes. Type errors are `npm run typecheck`'s job.
 */
export function compileService(): void {
  for (const folder of ['apps', 'libs', 'projections']) {
    for (const file of sourceFiles(join(ROOT, folder))) {
      const out = join(BUILD_DIR, relative(ROOT, file)).replace(/\.ts$/, '.js');
      const { code } = transformFileSync(file, {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
          baseUrl: ROOT,
          paths: ALIASES,
        },
        module: { type: 'commonjs' },
        sourceMaps: false,
      });
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, code);
    }
  }
}

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'testing' && name !== 'contract' && name !== 'node_modules') yield* sourceFiles(path);
    } else if (name.endsWith('.ts') && !name.endsWith('.spec.ts') && !name.endsWith('.d.ts')) {
      yield path;
    }
  }
}
