import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SLOT_REFUSAL_MESSAGES } from '../booking/schedule-day';
import { codesRaisedIn } from '../testing/given-when-then';
import { DOMAIN_ERRORS } from './domain-error';

/** Every non-test source file of the domain library. */
function domainSources(dir = join(__dirname, '..')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : domainSources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

it('every public error code is raised somewhere in the domain (no dead codes in DOMAIN_ERRORS)', () => {
  const raised = new Set<string>(domainSources().flatMap((file) => codesRaisedIn(readFileSync(file, 'utf8'))));
  // Slot refusals are raised through one table, by code.
  for (const code of Object.keys(SLOT_REFUSAL_MESSAGES)) raised.add(code);
  expect(Object.keys(DOMAIN_ERRORS).filter((code) => !raised.has(code))).toEqual([]);
});
