import { INestApplication } from '@nestjs/common';
import fc from 'fast-check';

/**
 * Generators of request bodies that are wrong by construction, for the fuzz test of every POST/PATCH
 * route (test/e2e/fuzz.e2e-spec.ts). A bad body is a valid seed body with one *decisive* mutation
 * (something the API contract refuses whatever the route: an unknown field, a wrong JSON type, a
 * NUL character, a huge string or number, a malformed date, zone or id, a missing required field,
 * a body that is not an object...), sometimes with harmless-looking *noise* on other fields
 * (null, unicode, SQL, empty strings) that must not change the answer.
 */

/** express.json({ limit: '100kb' }) in configure-app.ts: bigger bodies are 413. */
export const BODY_LIMIT_BYTES = 100 * 1024;

export type Path = (string | number)[];

/** JSON text placed verbatim in a body (numbers JSON.stringify cannot write, very deep nesting). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify that also writes RawJson verbatim and keeps own `__proto__` keys. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : toJsonText(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${toJsonText((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

// ---------------------------------------------------------------------------------------------
// Routes and their documented bodies

export interface WriteRoute {
  method: 'POST' | 'PATCH' | 'PUT';
  /** Express pattern, e.g. /v1/packages/:id/refunds */
  path: string;
  /** "POST /v1/packages/:id/refunds" */
  key: string;
}

/** Every POST and PATCH route the running app serves (from the Express router, so none is missed). */
export function writeRoutesOf(app: INestApplication): WriteRoute[] {
  const express = app.getHttpAdapter().getInstance() as { router?: { stack: any[] }; _router?: { stack: any[] } };
  const stack = (express.router ?? express._router)?.stack ?? [];
  const routes: WriteRoute[] = [];
  for (const layer of stack) {
    if (!layer.route) continue;
    for (const method of Object.keys(layer.route.methods).map((m) => m.toUpperCase())) {
      if (method === 'POST' || method === 'PATCH' || method === 'PUT') routes.push({ method, path: layer.route.path, key: `${method} ${layer.route.path}` });
    }
  }
  return routes;
}

export type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  nullable?: boolean;
  enum?: unknown[];
  items?: Schema;
  $ref?: string;
  allOf?: Schema[];
};
export interface OpenApiDocument {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
  components?: { schemas?: Record<string, Schema> };
}

/** A schema with its $ref / single allOf resolved. */
function resolve(doc: OpenApiDocument, schema: Schema | undefined): Schema | undefined {
  for (let i = 0; schema && i < 10; i++) {
    if (schema.$ref) schema = doc.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')];
    else if (schema.allOf?.length === 1) schema = { ...schema.allOf[0], nullable: schema.nullable };
    else return schema;
  }
  return schema;
}

/** The documented JSON request body of a route, if any. */
export function requestSchemaOf(doc: OpenApiDocument, route: WriteRoute): Schema | undefined {
  const openApiPath = route.path.replace(/:(\w+)/g, '{$1}');
  const operation = doc.paths[openApiPath]?.[route.method.toLowerCase()];
  return resolve(doc, operation?.requestBody?.content?.['application/json']?.schema);
}

// ---------------------------------------------------------------------------------------------
// The shape of a seed body

type Kind = 'uuid' | 'instant' | 'date' | 'time' | 'timezone' | 'currency' | 'email' | 'url' | 'enum' | 'text' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null';

export interface FieldModel {
  path: Path;
  /** Property name (an array element has its array's name). */
  name: string;
  value: unknown;
  kind: Kind;
  /** Documented as required (leaving it out is decisive). */
  required: boolean;
  /** Documented as nullable, or optional (then null may be accepted: null is only noise). */
  nullable: boolean;
  enumValues?: unknown[];
  /** A negative integer may be valid here (e.g. a credit adjustment). */
  signed: boolean;
}

export interface BodyModel {
  fields: FieldModel[];
  /** Paths of the objects in the body (the root is []), with the property names each knows. */
  objects: { path: Path; known: Set<string> }[];
  /** The root has a documented required field (then {} is decisive). */
  hasRequired: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function kindOf(name: string, value: unknown, schema: Schema | undefined): Kind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  const text = String(value);
  if (schema?.enum?.length) return 'enum';
  if (UUID.test(text)) return 'uuid';
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) return 'instant';
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return 'date';
  if (/^\d{2}:\d{2}$/.test(text)) return 'time';
  if (/timezone|zone$/i.test(name)) return 'timezone';
  if (/currency/i.test(name)) return 'currency';
  if (/email/i.test(name)) return 'email';
  if (/url$/i.test(name)) return 'url';
  return 'text';
}

/**
 * Walks the seed body alongside its documented schema. The schema says what is required and which
 * values are enumerated; the seed's values say what each field is (a UUID, an instant, a zone...).
 */
export function modelOf(seed: unknown, doc: OpenApiDocument, schema: Schema | undefined, options: { signed?: string[] } = {}): BodyModel {
  const model: BodyModel = { fields: [], objects: [], hasRequired: (schema?.required?.length ?? 0) > 0 };
  const walk = (value: unknown, at: Schema | undefined, path: Path, name: string) => {
    if (Array.isArray(value)) {
      const items = resolve(doc, at?.items);
      value.slice(0, 3).forEach((element, i) => {
        add(element, items, [...path, i], name, true, false);
      });
    } else if (value !== null && typeof value === 'object') {
      model.objects.push({ path, known: new Set([...Object.keys(at?.properties ?? {}), ...Object.keys(value)]) });
      for (const [key, v] of Object.entries(value)) {
        const property = resolve(doc, at?.properties?.[key]);
        const required = at?.required?.includes(key) ?? false;
        add(v, property, [...path, key], key, required, !required || property?.nullable === true);
      }
    }
  };
  const add = (value: unknown, at: Schema | undefined, path: Path, name: string, required: boolean, nullable: boolean) => {
    const enumValues = at?.enum;
    model.fields.push({ path, name, value, kind: kindOf(name, value, at), required, nullable, enumValues, signed: options.signed?.includes(name) ?? false });
    walk(value, at, path, name);
  };
  walk(seed, schema, [], '');
  return model;
}

// ---------------------------------------------------------------------------------------------
// Mutations

export interface Mutation {
  label: string;
  /** Well-formed but wrong for this tenant (an unknown or foreign id): refused by the handler (404/422), not by validation. */
  semantic?: boolean;
  /** Where it acts (noise never touches this path, its ancestors or its descendants). */
  path: Path;
  /** Returns the new body (the input may be changed in place). */
  apply(body: unknown): unknown;
}

function setAt(body: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  let parent = body as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  // defineProperty: a key named __proto__ becomes an own property, as JSON.parse would make it
  Object.defineProperty(parent, path[path.length - 1], { value, enumerable: true, writable: true, configurable: true });
  return body;
}

function removeAt(body: unknown, path: Path): unknown {
  let parent = body as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  delete parent[path[path.length - 1]];
  return body;
}

const pathText = (path: Path) => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '') || 'body';
const show = (value: unknown) => {
  const text = value instanceof RawJson ? value.text : typeof value === 'string' ? JSON.stringify(value) : toJsonText(value);
  return text.length > 60 ? `${text.slice(0, 40)}…(${text.length} chars)` : text;
};
const set = (path: Path, value: unknown, why: string): Mutation => ({
  label: `${pathText(path)} = ${show(value)} (${why})`,
  path,
  apply: (body) => setAt(body, path, value),
});

/** `{"a":{"a":…1…}}` or `[[…]]`, `depth` levels deep, as raw JSON (a recursive writer would overflow). */
const deepObject = (depth: number) => new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
const deepArray = (depth: number) => new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`);
const depthArb = fc.oneof(fc.constantFrom(100, 1_000, 5_000, 10_000, 16_000, 40_000), fc.integer({ min: 2, max: 20_000 }));

/** Text long enough for any field (the longest allowed is 5,000 characters), sometimes past the body limit. */
const hugeTextArb = fc
  .tuple(fc.integer({ min: 10_001, max: 150_000 }), fc.constantFrom('x', 'é', '€', '👍', ' ', 'a\u200b'))
  .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)));

const NUMERIC_STRINGS = ['1', '0', '-1', '1.5', 'NaN', 'Infinity', '-Infinity', '1e3', '0x10', '', ' 1', '١'];
const BAD_INSTANTS = [
  '2026-02-30T10:00:00Z', '2026-13-01T10:00:00Z', '2026-01-01T25:00:00Z', '2026-01-01T10:60:00Z', '2026-01-01T10:00:00+25:00', '2026-01-01T10:00:00+99:99', '2026-01-01T10:00:00-23:60',
  '2026-01-01T10:00:00', '2026-01-01', 'yesterday', 'tomorrow', 'now', 'not a date', '', '0000-00-00T00:00:00Z',
  '+275760-09-13T00:00:00Z', '2026-01-01T10:00:00Z[Europe/Berlin]', '01/02/2026 10:00', '2026-W01-1T10:00:00Z', 'Invalid Date',
];
const BAD_DATES = ['2026-02-30', '2027-02-29', '2026-13-01', '2026-00-10', '2026-1-1', 'yesterday', 'tomorrow', '2026-01-01T00:00:00Z', '01/02/2027', '20270101', '', ' 2027-01-01', '2027-01-01 '];
const BAD_TIMES = ['25:00', '24:01', '9:00', '09:60', '09:00:00', 'noon', '', '-01:00', '0900', '09:00 ', '9am', '99:99'];
const BAD_ZONES = ['Mars/Olympus', 'Mars/Olympus_Mons', 'local', 'UTC+2', 'GMT+25', 'Europe/Berlin ', ' Europe/Berlin', 'Etc/GMT+99', 'America/New_York/Extra', '../../etc/passwd', 'Europe\\Berlin', '', 'Europe/Atlantis', 'x'.repeat(65)];
const BAD_CURRENCIES = ['usd', 'ABC', 'QQQ', 'EURO', 'US', '', '$', 'U$D', 'US D'];
const BAD_EMAILS = ['grace', 'a@', '@example.com', 'a b@example.com', 'a@@example.com', '', `${'x'.repeat(330)}@example.com`, 'grace@example'];
const BAD_URLS = ['javascript:alert(1)', 'ftp://example.com/x.jpg', 'not a url', '//example.com/x.jpg', 'http://', 'file:///etc/passwd', 'data:image/png;base64,AAAA', ''];
const BAD_IDS = ['not-a-uuid', '../', '../../etc/passwd', "1' OR '1'='1", "'; DROP TABLE events; --", '00000000-0000-0000-0000-00000000000g', '', ' ', 'null', 'undefined', '{}', '*', '%', 'a'.repeat(36)];

/** Values a field of this kind must refuse, whatever the route (the contract, not the route's own rules). */
function decisiveFor(field: FieldModel, foreignIds: string[]): fc.Arbitrary<Mutation> {
  const { path, value, kind } = field;
  const choices: fc.WeightedArbitrary<Mutation>[] = [];
  // Weights: what is particular to the field's kind (an instant, a zone, an id...) comes up most.
  const wrong = (why: string, arb: fc.Arbitrary<unknown>, weight = 2, semantic = false) =>
    choices.push({ weight, arbitrary: arb.map((v) => ({ ...set(path, v, why), semantic })) });
  const isString = typeof value === 'string';
  if (isString) {
    wrong('wrong type', fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant({}), fc.constant([value]), fc.array(fc.string(), { maxLength: 3 })));
    wrong('NUL character', fc.nat({ max: String(value).length }).map((at) => `${String(value).slice(0, at)}\u0000${String(value).slice(at)}`));
    wrong('huge string', hugeTextArb);
  }
  if (kind === 'uuid') {
    wrong('malformed id', fc.oneof(fc.constantFrom(...BAD_IDS), fc.constant(String(value).replace(/-/g, '')), fc.constant(`${value}x`), fc.constant(`${value}\n`)), 4);
    wrong('unknown id', fc.uuid(), 3, true);
    if (foreignIds.length) wrong("another tenant's id", fc.constantFrom(...foreignIds), 3, true);
  }
  if (kind === 'instant') wrong('invalid instant', fc.constantFrom(...BAD_INSTANTS), 6);
  if (kind === 'date') wrong('invalid date', fc.constantFrom(...BAD_DATES), 6);
  if (kind === 'time') wrong('invalid time of day', fc.constantFrom(...BAD_TIMES), 6);
  if (kind === 'timezone') wrong('invalid time zone', fc.constantFrom(...BAD_ZONES), 6);
  if (kind === 'currency') wrong('invalid currency', fc.constantFrom(...BAD_CURRENCIES), 6);
  if (kind === 'email') wrong('invalid email', fc.constantFrom(...BAD_EMAILS), 6);
  if (kind === 'url') wrong('invalid URL', fc.constantFrom(...BAD_URLS), 6);
  if (field.enumValues?.length) {
    const outside = (v: unknown) => !field.enumValues!.includes(v);
    wrong('not one of the allowed values', fc.oneof(fc.string({ maxLength: 20 }), fc.constant(String(value).toUpperCase()), fc.constant(`${value} `), fc.integer()).filter(outside), 4);
  }
  if (kind === 'integer') {
    wrong('wrong type', fc.oneof(fc.constantFrom(...NUMERIC_STRINGS), fc.constant(String(value)), fc.boolean(), fc.constant({}), fc.constant([value])));
    wrong('not a whole number', fc.oneof(fc.constant((value as number) + 0.5), fc.constantFrom(1.5, -0.5, 0.1, 5e-324), fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((n) => !Number.isInteger(n))));
    wrong('huge number', fc.constantFrom(1e308, -1e308, 2 ** 53, -(2 ** 53), 1e21, Number.MAX_VALUE));
    wrong('beyond the double range', fc.constantFrom(new RawJson('1e400'), new RawJson('-1e400'), new RawJson('9'.repeat(400))));
    if (!field.signed) wrong('negative', fc.oneof(fc.constant(-1), fc.constant(-(value as number) || -1), fc.integer({ max: -1 })));
  }
  if (kind === 'boolean') wrong('wrong type', fc.constantFrom('true', 'false', 1, 0, 'yes', '', [], {}, [value]));
  if (kind === 'object') wrong('wrong type', fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean(), fc.constant([]), fc.constant([value])));
  if (kind === 'array') {
    const first = (value as unknown[])[0];
    wrong('wrong type', fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean(), fc.constant({}), fc.constant({ 0: first ?? 'x' })));
    if (first !== undefined) {
      wrong('far too many elements', fc.integer({ min: 1_001, max: 4_000 }).map((n) => Array.from({ length: n }, () => structuredClone(first))));
      wrong('null element', fc.constant([...(value as unknown[]), null]));
    }
    wrong('deeply nested arrays', depthArb.map((depth) => [deepArray(depth)]), 1);
  }
  if (kind !== 'array') wrong('deeply nested value', fc.oneof(depthArb.map(deepArray), depthArb.map(deepObject)), 1);
  if (field.required && !field.nullable) wrong('null', fc.constant(null));
  if (field.required && typeof path[path.length - 1] === 'string') {
    choices.push({ weight: 2, arbitrary: fc.constant({ label: `${pathText(path)} left out (required)`, path, apply: (body: unknown) => removeAt(body, path) }) });
  }
  return fc.oneof(...choices);
}

/** Values that may or may not be valid for a field: they ride along with a decisive mutation. */
function noiseFor(field: FieldModel): fc.Arbitrary<Mutation> {
  const { path } = field;
  const values = fc.oneof(
    fc.constantFrom(null, '', '   ', '\u202Egnp.exe', '\u200b', '👩‍👩‍👧‍👦', "Robert'); DROP TABLE events;--", '../../etc/passwd', '<script>alert(1)</script>', '\u0001\u001f\u007f', 'x'.repeat(501), 0, -1, 1, true, false),
    fc.constantFrom(new RawJson('-0'), new RawJson('1.0'), new RawJson('1E2')),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.string({ unit: 'binary', maxLength: 30 }),
  );
  const choices = [values.map((v) => set(path, v, 'noise'))];
  if (!field.required && typeof path[path.length - 1] === 'string') {
    choices.push(fc.constant({ label: `${pathText(path)} left out (noise)`, path, apply: (body: unknown) => removeAt(body, path) }));
  }
  return fc.oneof(...choices);
}

/** Field names no write body has; each must be refused, never ignored or applied. */
const UNKNOWN_FIELDS = [
  'tenantId', 'tenant_id', 'creditsRemaining', 'creditsUsed', 'creditsTotal', 'role', 'isAdmin', 'admin', 'id', 'createdAt', 'deleted',
  'balance', 'actor', 'metadata', 'keyId', 'ownerId', '$where', '$gt', '__proto__', 'constructor', 'prototype', 'toString',
  'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__', 'toJSON', '', ' ', 'a.b', 'name\u0000',
];

function unknownFieldIn(object: { path: Path; known: Set<string> }): fc.Arbitrary<Mutation> {
  const caseVariants = [...object.known].flatMap((k) => [k.toUpperCase(), k[0].toUpperCase() + k.slice(1), k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), `${k} `]);
  const key = fc.oneof(fc.constantFrom(...UNKNOWN_FIELDS), fc.string({ minLength: 1, maxLength: 12 }), ...(caseVariants.length ? [fc.constantFrom(...caseVariants)] : [])).filter((k) => !object.known.has(k));
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom<unknown>({ role: 'owner', tenantId: '00000000-0000-4000-8000-000000000000' }, { prototype: { role: 'owner' } }, 999, 'admin', -1, null),
  );
  return fc.tuple(key, value).map(([k, v]) => ({ ...set([...object.path, k], v, 'unknown field'), label: `unknown field ${pathText([...object.path, k])} = ${show(v)}` }));
}

/** Bodies that are wrong as a whole. */
function wholeBodies(model: BodyModel): fc.Arbitrary<Mutation> {
  const replace = (label: string, arb: fc.Arbitrary<unknown>) => arb.map((v) => ({ label: `${label}: ${show(v)}`, path: [], apply: () => v }));
  const choices = [
    replace('not an object', fc.oneof(fc.constantFrom<unknown>([], null, 'hello', 42, true, 0, ''), fc.jsonValue({ maxDepth: 2 }).filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)))),
    fc.constant<Mutation>({ label: 'the valid body inside an array', path: [], apply: (body) => [body] }),
    replace('deeply nested object', depthArb.map(deepObject)),
    replace('deeply nested array', depthArb.map(deepArray)),
  ];
  if (model.hasRequired) choices.push(fc.constant<Mutation>({ label: 'empty object', path: [], apply: () => ({}) }));
  return fc.oneof(...choices);
}

export interface BadBody {
  label: string;
  /** Malformed (not merely unknown to this tenant): validation must refuse it, 400. */
  malformed: boolean;
  build(seed: unknown): unknown;
}

const related = (a: Path, b: Path) => {
  const n = Math.min(a.length, b.length);
  return a.slice(0, n).every((key, i) => key === b[i]);
};

/** One decisive mutation, then up to two noise mutations on unrelated fields. */
export function badBodies(model: BodyModel, foreignIds: string[]): fc.Arbitrary<BadBody> {
  const decisive = fc.oneof(
    { weight: 6, arbitrary: model.fields.length ? fc.constantFrom(...model.fields).chain((f) => decisiveFor(f, foreignIds)) : wholeBodies(model) },
    { weight: 3, arbitrary: fc.constantFrom(...model.objects).chain(unknownFieldIn) },
    { weight: 1, arbitrary: wholeBodies(model) },
  );
  return decisive.chain((d) => {
    const free = d.path.length === 0 ? [] : model.fields.filter((f) => !related(f.path, d.path));
    const noise = free.length ? fc.array(fc.constantFrom(...free).chain(noiseFor), { maxLength: 2 }) : fc.constant([]);
    return noise.map((extra) => ({
      label: [d.label, ...extra.map((m) => m.label)].join('; '),
      malformed: !d.semantic,
      build: (seed: unknown) => {
        let body = d.apply(seed);
        // Noise goes on fields the decisive mutation did not touch; skip any a previous noise removed.
        for (const m of extra) {
          try {
            body = m.apply(body);
          } catch {
            /* its parent was replaced by an earlier noise value */
          }
        }
        return body;
      },
    }));
  });
}
