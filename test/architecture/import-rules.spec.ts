import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

/**
 * The import rules of docs/architecture.md ("Features and the import rules"), checked over the source
 * tree: a new cross-feature import, a deep import into a library, or an upward import fails here.
 */

const ROOT = resolve(__dirname, '../..');
const API = 'apps/api/src';

/** Folders and files of apps/api/src that every feature may use: the HTTP pipeline, auth and the write path. */
const KERNEL = ['http', 'auth', 'write-side', 'rate-limit', 'tokens.ts'];
/** The composition root: wires the features together, imports each through its index. */
const COMPOSITION_ROOT = ['app.module.ts', 'core.module.ts', 'bootstrap.ts', 'main.ts', 'configure-app.ts'];

/** Which features a feature may import (through the other's index.ts). Every edge must be in use. */
const FEATURE_DEPENDENCIES: Record<string, string[]> = {
  'accounting-policy': [],
  'api-keys': [],
  bookings: ['busy-calendars', 'clients', 'tenants'],
  'busy-calendars': ['outbound-webhooks'],
  'calendar-feeds': ['clients', 'tenants'],
  clients: [],
  exports: ['clients'],
  health: [],
  me: ['bookings', 'clients', 'offerings', 'packages', 'slots'],
  messages: ['calendar-feeds', 'clients', 'outbound-webhooks', 'packages', 'tenants'],
  'offering-deletion': ['bookings', 'offerings'],
  offerings: ['session-types', 'slots', 'tenants'],
  'outbound-webhooks': [],
  packages: ['clients', 'tenants'],
  payments: ['clients', 'tenants'],
  reports: ['tenants'],
  schedules: ['session-types'],
  'session-types': [],
  slots: ['busy-calendars'],
  storefront: ['clients', 'offerings', 'session-types', 'tenants'],
  tenants: ['api-keys'],
  usage: ['clients'],
};

/** Libraries by alias; each is imported only through its index (the alias), never by a relative path. */
const LIBRARIES: Record<string, string> = {
  '@punchcard/domain': 'libs/domain/src',
  '@punchcard/domain/testing': 'libs/domain/src/testing',
  '@punchcard/event-store': 'libs/event-store/src',
  '@punchcard/read-store': 'libs/read-store/src',
  '@punchcard/projection-runner': 'libs/projection-runner/src',
  '@punchcard/postgres': 'libs/postgres/src',
  '@punchcard/platform': 'libs/platform/src',
  '@punchcard/payments': 'libs/payments/src',
  '@punchcard/messages': 'libs/messages/src',
  '@punchcard/calendars': 'libs/calendars/src',
  '@punchcard/calendar-feed': 'libs/calendar-feed/src',
  '@punchcard/projections': 'projections',
};

/** The domain is pure: no framework, no I/O, no other package of ours. */
const DOMAIN_MAY_IMPORT = ['luxon'];

interface Import {
  from: string;
  specifier: string;
  /** Repository-relative path the specifier resolves to (relative specifiers and aliases), or null for a package. */
  target: string | null;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): Import[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  return importedFiles.map(({ fileName: specifier }) => {
    if (specifier.startsWith('.')) return { from: file, specifier, target: relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.js$/, '') };
    const library = LIBRARIES[specifier];
    return { from: file, specifier, target: library ?? null };
  });
}

const under = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);
const libraryRootOf = (path: string) => Object.values(LIBRARIES).sort((a, b) => b.length - a.length).find((root) => under(path, root));
const featureOf = (path: string): string | null => (under(path, API) ? relative(API, path).split('/')[0] : null);
const isKernel = (path: string) => KERNEL.some((entry) => under(relative(API, path), entry.replace(/\.ts$/, '')));

const FILES = ['apps', 'libs', 'projections', 'test'].flatMap(sourceFiles);
const IMPORTS = FILES.flatMap(importsOf);
const describeImport = (i: Import) => `${i.from} imports '${i.specifier}'`;

describe('import rules', () => {
  it('reads a real import graph', () => {
    expect(FILES.length).toBeGreaterThan(150);
    expect(IMPORTS.filter((i) => i.target && featureOf(i.target)).length).toBeGreaterThan(100);
  });

  it('libraries and projections never import apps/ or test/, and libraries never import projections/', () => {
    const upward = IMPORTS.filter((i) => (under(i.from, 'libs') || under(i.from, 'projections')) && !/\.(e2e-)?spec\.ts$/.test(i.from))
      .filter((i) => i.target && (under(i.target, 'apps') || under(i.target, 'test') || (under(i.from, 'libs') && under(i.target, 'projections'))));
    expect(upward.map(describeImport)).toEqual([]);
  });

  it('a library is reached only through its alias, never by a relative path from outside it', () => {
    const deep = IMPORTS.filter((i) => i.specifier.startsWith('.') && i.target)
      .filter((i) => {
        const targetRoot = libraryRootOf(i.target!);
        const sourceRoot = libraryRootOf(i.from);
        // The domain's own test helpers are part of the domain.
        return targetRoot !== undefined && targetRoot !== sourceRoot && !(under(i.from, 'libs/domain/src') && under(i.target!, 'libs/domain/src'));
      })
      .filter((i) => i.target !== 'libs/postgres/src/embedded'); // an ES module loaded lazily with import() (libs/postgres/src/embedded.ts)
    expect(deep.map(describeImport)).toEqual([]);
  });

  it('the domain imports nothing but its own files and luxon', () => {
    const impure = IMPORTS.filter((i) => under(i.from, 'libs/domain/src') && !under(i.from, 'libs/domain/src/testing') && !/\.spec\.ts$/.test(i.from))
      .filter((i) => (i.target ? !under(i.target, 'libs/domain/src') : !DOMAIN_MAY_IMPORT.includes(i.specifier)));
    expect(impure.map(describeImport)).toEqual([]);
  });

  it('a feature imports another feature only through its index, along a declared edge', () => {
    const wrong = IMPORTS.filter((i) => i.target && featureOf(i.from) && !isKernel(i.from) && !COMPOSITION_ROOT.includes(relative(API, i.from)))
      .filter((i) => {
        const [from, to] = [featureOf(i.from)!, featureOf(i.target!)];
        if (!to || to === from || isKernel(i.target!)) return false;
        const throughIndex = i.target === `${API}/${to}` || i.target === `${API}/${to}/index`;
        return !throughIndex || !FEATURE_DEPENDENCIES[from]?.includes(to);
      });
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it('every declared feature edge is in use, and every feature folder is declared', () => {
    const used = new Set(IMPORTS.filter((i) => i.target && featureOf(i.from) && featureOf(i.target)).map((i) => `${featureOf(i.from)} -> ${featureOf(i.target!)}`));
    const declared = Object.entries(FEATURE_DEPENDENCIES).flatMap(([from, tos]) => tos.map((to) => `${from} -> ${to}`));
    expect(declared.filter((edge) => !used.has(edge))).toEqual([]);
    const folders = readdirSync(join(ROOT, API), { withFileTypes: true }).filter((e) => e.isDirectory() && !KERNEL.includes(e.name)).map((e) => e.name);
    expect(folders.sort()).toEqual(Object.keys(FEATURE_DEPENDENCIES).sort());
  });

  it('the kernel imports no feature', () => {
    const wrong = IMPORTS.filter((i) => i.target && featureOf(i.from) && isKernel(i.from) && featureOf(i.target) && !isKernel(i.target) && !COMPOSITION_ROOT.includes(relative(API, i.target)));
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it('the composition root imports features through their index', () => {
    const wrong = IMPORTS.filter((i) => i.target && COMPOSITION_ROOT.includes(relative(API, i.from)))
      .filter((i) => featureOf(i.target!) && !isKernel(i.target!) && !COMPOSITION_ROOT.includes(relative(API, i.target!)))
      .filter((i) => !/^apps\/api\/src\/[^/]+(\/index)?$/.test(i.target!));
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it('the worker and the CLI use the API only through its bootstrap', () => {
    const wrong = IMPORTS.filter((i) => (under(i.from, 'apps/worker') || under(i.from, 'apps/cli')) && i.target && under(i.target, API))
      .filter((i) => i.target !== `${API}/bootstrap`);
    expect(wrong.map(describeImport)).toEqual([]);
  });
});
