import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The docs that say who may call an endpoint name the roles the code grants (ADR 0013), not the
 * single-role world before API key management ("any tenant key is an admin").
 */

const ROOT = resolve(__dirname, '../..');
const read = (path: string) => readFileSync(resolve(ROOT, path), 'utf8');

/** The roles of the first `@Roles(...)` above `marker` in a controller's source. */
function rolesBefore(source: string, marker: string): string[] {
  const upTo = source.slice(0, source.indexOf(marker));
  const all = [...upTo.matchAll(/@Roles\(([^)]*)\)/g)];
  return [...all.at(-1)![1].matchAll(/'(\w+)'/g)].map((m) => m[1]).sort();
}

/** The roles a passage names as `role` `x` or `y`. */
function rolesNamed(passage: string): string[] {
  const sentence = passage.match(/role `\w+`(?: or `\w+`)*/)![0];
  return [...sentence.matchAll(/`(\w+)`/g)].map((m) => m[1]).sort();
}

function section(doc: string, heading: string): string {
  const start = doc.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const next = doc.indexOf('\n## ', start + heading.length);
  return doc.slice(start, next < 0 ? undefined : next);
}

describe('Docs name the roles the code grants', () => {
  const reports = read('apps/api/src/reports/reports.controller.ts');
  const bookings = read('apps/api/src/bookings/bookings.controller.ts');
  const guide = read('docs/api-guide.md');

  it('accounting reports: the API guide and docs/accounting.md', () => {
    const granted = rolesBefore(reports, "@Get('reports/contract-liability')");
    expect(granted).toEqual(['accountant', 'admin']);
    expect(rolesNamed(section(guide, '## Accounting reports'))).toEqual(granted);
    expect(rolesNamed(section(read('docs/accounting.md'), '## Reports'))).toEqual(granted);
  });

  it('cancelling by business: the API guide', () => {
    const granted = [...bookings.match(/MAY_CANCEL_BY_BUSINESS: readonly TenantRole\[\] = \[([^\]]*)\]/)![1].matchAll(/'(\w+)'/g)].map((m) => m[1]).sort();
    const cancelling = guide.slice(guide.indexOf('(`cancelled_by_business`)'));
    expect(rolesNamed(cancelling)).toEqual(granted);
  });

  it('no doc or comment says every tenant key may do anything', () => {
    const stale = /any tenant (api )?key|all tenant keys have the role|roles come with api key management/i;
    for (const path of ['docs/api-guide.md', 'docs/accounting.md', 'docs/architecture.md', 'docs/security.md', 'README.md', 'apps/api/src/reports/reports.controller.ts']) {
      expect({ path, stale: stale.test(read(path)) }).toEqual({ path, stale: false });
    }
  });
});
