/**
 * Summarises a V8 .cpuprofile (node --cpu-prof) by area of the code base: self time (the frame that was
 * running, attributed to the nearest frame whose source says where it belongs) and inclusive time (the
 * area appears anywhere on the sampled stack). Inclusive time covers synchronous stacks only: work that
 * continues after an `await` starts a new stack from the microtask queue.
 *
 *   npm run build && node dist/test/bench/cpu-profile-summary.js /tmp/prof/CPU.….cpuprofile [fromSec] [toSec]
 *
 * fromSec/toSec: the window to count, in seconds from the profile's start (e.g. the load phase only).
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** First match wins: specific before general. */
const AREAS: [string, RegExp][] = [
  ['pg driver (protocol, parsing rows, pool)', /node_modules\/(pg|pg-protocol|pg-pool|pg-types|pg-connection-string|postgres-array|postgres-bytea|postgres-date|postgres-interval|pgpass|split2)\//],
  ['logging', /@nestjs\/common\/services\/(console-)?logger|node:internal\/console/],
  ['validation (class-validator, class-transformer)', /node_modules\/(class-validator|class-transformer|validator|libphonenumber-js)\//],
  ['Nest CQRS buses', /node_modules\/@nestjs\/cqrs\//],
  ['rate limit (throttler)', /node_modules\/@nestjs\/throttler\//],
  ['Nest/Express routing and pipeline (incl. rxjs, helmet)', /node_modules\/(@nestjs\/(core|common|platform-express)|express|router|body-parser|raw-body|finalhandler|send|serve-static|path-to-regexp|qs|on-finished|on-headers|type-is|content-type|iconv-lite|statuses|http-errors|depd|rxjs|reflect-metadata|helmet|cookie|vary|accepts|negotiator|mime|mime-types|mime-db|fresh|etag|encodeurl|escape-html|parseurl|proxy-addr|forwarded|ipaddr\.js|range-parser|merge-descriptors|utils-merge|setprototypeof|inherits|destroy|unpipe|ee-first|media-typer|bytes|content-disposition|safe-buffer|debug|ms|tslib|iterare|fast-safe-stringify|uid|load-esm|file-type)\//],
  ['uuid', /node_modules\/uuid\//],
  ['luxon', /node_modules\/luxon\//],
  ['other dependencies', /node_modules\//],
  ['event store (ours)', /libs\/event-store\//],
  ['postgres lib (ours: tenant pool, transactions)', /libs\/postgres\//],
  ['domain deciders (ours)', /libs\/domain\//],
  ['projection runner, read store, projections (ours)', /libs\/(projection-runner|read-store)\/|\/projections\//],
  ['idempotency interceptor (ours)', /apps\/api\/src\/http\/idempotency/],
  ['write side (ours: unit of work, executor, locks)', /apps\/api\/src\/write-side\//],
  ['auth (ours)', /apps\/api\/src\/auth\//],
  ['other API code (ours)', /apps\/api\/src\/|libs\//],
  ['node: HTTP server, sockets, streams', /^node:(_http|http|net|stream|_stream|internal\/(streams|http|net|stream_base|js_stream|child_process|dns))/],
  ['node: async hooks, AsyncLocalStorage, promises', /^node:(async_hooks|internal\/(async_hooks|async_local_storage|process\/task_queues|promise))/],
  ['node: crypto', /^node:(crypto|internal\/crypto)/],
  ['node: other', /^node:/],
];

export function areaOf(frame: CallFrame): string | null {
  const { functionName: name, url } = frame;
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return '(program: V8/native, no JS frame)';
  if (name === '(root)') return null;
  if (!url) return (name === 'parse' || name === 'stringify') ? 'JSON parse/stringify (native)' : null;
  for (const [area, pattern] of AREAS) if (pattern.test(url)) return area;
  return 'other';
}

export interface Summary {
  samples: number;
  seconds: number;
  busyShare: number;
  self: [string, number][];
  inclusive: [string, number][];
  topFunctions: [string, number][];
  /** Node-internal self time (sockets, streams, promises…) by the nearest caller outside node's own code. */
  nodeTimeByCaller: [string, number][];
}

export function summarise(profile: CpuProfile, fromSec = 0, toSec = Infinity): Summary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const functions = new Map<string, number>();
  const nodeByCaller = new Map<string, number>();
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  let t = profile.startTime;
  let counted = 0;
  let idle = 0;
  let first = Infinity;
  let last = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const sec = (t - profile.startTime) / 1e6;
    if (sec < fromSec || sec > toSec) continue;
    first = Math.min(first, t);
    last = Math.max(last, t);
    counted++;
    const leaf = byId.get(profile.samples[i])!;
    // Self: the leaf's area, or for a native leaf (no source) the nearest ancestor's.
    let selfArea: string | null = null;
    const onStack = new Set<string>();
    for (let node: ProfileNode | undefined = leaf; node; node = parent.has(node.id) ? byId.get(parent.get(node.id)!) : undefined) {
      const area = areaOf(node.callFrame);
      if (area) {
        selfArea ??= area;
        onStack.add(area);
      }
    }
    selfArea ??= 'other (native, no JS caller)';
    if (selfArea === 'idle') idle++;
    if (selfArea.startsWith('node:')) {
      let caller = 'no caller outside node (event loop, socket reads)';
      for (let node: ProfileNode | undefined = leaf; node; node = parent.has(node.id) ? byId.get(parent.get(node.id)!) : undefined) {
        const area = areaOf(node.callFrame);
        if (area && !area.startsWith('node:') && area !== 'JSON parse/stringify (native)') {
          caller = area;
          break;
        }
      }
      add(nodeByCaller, caller);
    }
    add(self, selfArea);
    for (const area of onStack) add(inclusive, area);
    const f = leaf.callFrame;
    add(functions, `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    samples: counted,
    seconds: (last - first) / 1e6,
    busyShare: counted ? (counted - idle) / counted : 0,
    self: sorted(self),
    inclusive: sorted(inclusive).filter(([a]) => a !== 'idle'),
    topFunctions: sorted(functions).slice(0, 30),
    nodeTimeByCaller: sorted(nodeByCaller),
  };
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + '/dist/'.length) : url.replace(/^file:\/\//, '');
}

export function formatSummary(s: Summary): string {
  const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(1)}%`;
  const busy = s.samples - (s.self.find(([a]) => a === 'idle')?.[1] ?? 0);
  const lines = [
    `${s.samples} samples over ${s.seconds.toFixed(1)} s; the process was busy (not idle) in ${pct(busy, s.samples)} of them.`,
    '',
    '| area | self, of all samples | self, of busy samples | inclusive, of busy samples |',
    '| --- | --- | --- | --- |',
    ...s.self.map(([area, n]) => {
      const inc = s.inclusive.find(([a]) => a === area)?.[1];
      return `| ${area} | ${pct(n, s.samples)} | ${area === 'idle' ? '' : pct(n, busy)} | ${inc === undefined || area === 'idle' ? '' : pct(inc, busy)} |`;
    }),
    '',
    '| node-internal self time (sockets, streams, promises), by its nearest caller outside node | of busy samples |',
    '| --- | --- |',
    ...s.nodeTimeByCaller.map(([area, n]) => `| ${area} | ${pct(n, busy)} |`),
    '',
    '| function (self time) | of busy samples |',
    '| --- | --- |',
    ...s.topFunctions.filter(([f]) => !f.startsWith('(idle)')).slice(0, 25).map(([f, n]) => `| \`${f.replace(/\|/g, '\\|')}\` | ${pct(n, busy)} |`),
  ];
  return lines.join('\n');
}

if (require.main === module) {
  const [file, from, to] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist/test/bench/cpu-profile-summary.js <file.cpuprofile> [fromSec] [toSec]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(formatSummary(summarise(profile, from ? Number(from) : 0, to ? Number(to) : Infinity)));
}
