import { IANAZone } from 'luxon';

/**
 * True when the runtime's time-zone database knows `zone` (an IANA name, in any letter case).
 * `IANAZone.isValidZone` builds an `Intl.DateTimeFormat` on every call (about 0.2 ms), and a calendar
 * refresh and message planning ask once per event (issue 15 profile), so names found valid are kept:
 * at most MAX_KNOWN_ZONES, as a name is valid in any letter case and its spellings are not a bounded
 * set. An unknown name is checked again each time.
 */
export function isKnownIanaZone(zone: string): boolean {
  if (knownZones.has(zone)) return true;
  const known = IANAZone.isValidZone(zone);
  if (known) {
    if (knownZones.size >= MAX_KNOWN_ZONES) knownZones.clear();
    knownZones.add(zone);
  }
  return known;
}

const knownZones = new Set<string>();
const MAX_KNOWN_ZONES = 1_000;
