import { decidePackage, initialPackageState } from '../package/package.decider';
import { DomainError } from '../shared/domain-error';
import { Validity } from './validity';
import { OFFERING_FIELD_DEFAULTS, OfferingStatus } from './offering.events';
import { isOnSale, packagePricing, packageSaving, pricePerSession, SinglePrice } from './package-pricing';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const single = (sessionTypeId: string, amount: number, currency = 'EUR'): SinglePrice => ({ sessionTypeId, price: { amount, currency } });

describe('pricePerSession', () => {
  it('divides exactly when it can', () => {
    expect(pricePerSession(eur(54000), 6)).toEqual(eur(9000));
    expect(pricePerSession(eur(0), 10)).toEqual(eur(0));
  });

  it('rounds to the nearest minor unit, halves up', () => {
    expect(pricePerSession(eur(10000), 3)).toEqual(eur(3333)); // 3333.33…
    expect(pricePerSession(eur(20000), 3)).toEqual(eur(6667)); // 6666.67…
    expect(pricePerSession(eur(10000), 8)).toEqual(eur(1250)); // exact
    expect(pricePerSession(eur(5), 2)).toEqual(eur(3)); // 2.5 → 3
    expect(pricePerSession(eur(15), 2)).toEqual(eur(8)); // 7.5 → 8
    expect(pricePerSession(eur(1), 3)).toEqual(eur(0)); // 0.33 → 0
    expect(pricePerSession(eur(2), 3)).toEqual(eur(1)); // 0.67 → 1
  });

  it('keeps the currency, also one without minor units', () => {
    expect(pricePerSession({ amount: 10000, currency: 'JPY' }, 3)).toEqual({ amount: 3333, currency: 'JPY' });
  });

  it('stays exact for the largest prices the API takes', () => {
    expect(pricePerSession(eur(100_000_000_00), 7)).toEqual(eur(1_428_571_429)); // 1428571428.57 → …429
    expect(pricePerSession(eur(Number.MAX_SAFE_INTEGER), 1)).toEqual(eur(Number.MAX_SAFE_INTEGER));
  });

  it('refuses what is not money or a session count', () => {
    expect(() => pricePerSession(eur(10.5), 2)).toThrow(RangeError);
    expect(() => pricePerSession(eur(-1), 2)).toThrow(RangeError);
    expect(() => pricePerSession(eur(100), 0)).toThrow(RangeError);
    expect(() => pricePerSession(eur(100), 1.5)).toThrow(RangeError);
  });
});

describe('packageSaving', () => {
  it('is the difference to paying the single price for every session, with its percentage', () => {
    // 6 × 100.00 = 600.00 singly; the package costs 540.00: saves 60.00, 10%.
    expect(packageSaving(eur(54000), 6, [single('pt', 10000)])).toEqual({ amount: eur(6000), percent: 10, singlePrice: eur(10000), sessionTypeId: 'pt' });
  });

  it('rounds the percentage down to one decimal, so it is never overstated', () => {
    // 6 × 90.00 = 540.00; 480.00 saves 60.00 = 11.11…% → 11.1
    expect(packageSaving(eur(48000), 6, [single('pt', 9000)])?.percent).toBe(11.1);
    // 3 × 33.34 = 100.02; 100.00 saves 0.02 = 0.0199…% → 0 (still a saving of 0.02)
    expect(packageSaving(eur(10000), 3, [single('pt', 3334)])).toEqual({ amount: eur(2), percent: 0, singlePrice: eur(3334), sessionTypeId: 'pt' });
    // 2/3 off: 66.66…% → 66.6, not 66.7
    expect(packageSaving(eur(1000), 3, [single('pt', 1000)])?.percent).toBe(66.6);
    // a free package saves everything
    expect(packageSaving(eur(0), 5, [single('pt', 1000)])).toEqual({ amount: eur(5000), percent: 100, singlePrice: eur(1000), sessionTypeId: 'pt' });
  });

  it('the saving amount is exact, whatever the rounding of the price per session', () => {
    // 100.00 for 3 (33.33 each) against 40.00 singly: 120.00 − 100.00 = 20.00, not 3 × (40.00 − 33.33) = 20.01.
    expect(packageSaving(eur(10000), 3, [single('pt', 4000)])?.amount).toEqual(eur(2000));
  });

  it('is null when the package is not cheaper than its sessions singly', () => {
    expect(packageSaving(eur(60000), 6, [single('pt', 10000)])).toBeNull(); // the same
    expect(packageSaving(eur(60001), 6, [single('pt', 10000)])).toBeNull(); // dearer
  });

  it('is null without a linked single price', () => {
    expect(packageSaving(eur(54000), 6, [])).toBeNull();
  });

  it('compares only prices in the same currency', () => {
    expect(packageSaving(eur(54000), 6, [single('pt', 10000, 'USD')])).toBeNull();
    expect(packageSaving(eur(54000), 6, [single('usd', 5000, 'USD'), single('eur', 10000)])).toMatchObject({ sessionTypeId: 'eur', singlePrice: eur(10000) });
  });

  it('compares with the cheapest linked session type: the package saves at least that on any of them', () => {
    const saving = packageSaving(eur(54000), 6, [single('long', 12000), single('short', 9500), single('mid', 11000)]);
    expect(saving).toEqual({ amount: eur(3000), percent: 5.2, singlePrice: eur(9500), sessionTypeId: 'short' }); // 3000 / 57000 = 5.26…%
    // and none when the cheapest one makes the package no cheaper
    expect(packageSaving(eur(54000), 6, [single('long', 12000), single('cheap', 8000)])).toBeNull();
  });

  it('picks the same session type whatever the order, on equal prices', () => {
    const a = packageSaving(eur(54000), 6, [single('b', 10000), single('a', 10000)]);
    const b = packageSaving(eur(54000), 6, [single('a', 10000), single('b', 10000)]);
    expect(a?.sessionTypeId).toBe('a');
    expect(b?.sessionTypeId).toBe('a');
  });

  it('stays exact for the largest prices and session counts', () => {
    // 1000 × 100,000,000.00 singly; the package costs 1.00 less.
    const singly = 100_000_000_00 * 1000;
    expect(packageSaving(eur(singly - 100), 1000, [single('pt', 100_000_000_00)])).toMatchObject({ amount: eur(100), percent: 0 });
  });
});

describe('packagePricing', () => {
  it('gives both figures', () => {
    expect(packagePricing(eur(10000), 3, [single('pt', 4000)])).toEqual({
      pricePerSession: eur(3333),
      saving: { amount: eur(2000), percent: 16.6, singlePrice: eur(4000), sessionTypeId: 'pt' }, // 2000 / 12000 = 16.66…%
    });
  });
});

describe('isOnSale', () => {
  const NOW = '2026-06-15T14:00:00.000Z';
  const offering = (changes: Partial<Parameters<typeof isOnSale>[0]> = {}) => ({ status: 'active' as const, deleted: false, validity: { kind: 'days' as const, days: 90 }, ...changes });

  it('is an active offering that is not deleted', () => {
    expect(isOnSale(offering(), NOW, 'UTC')).toBe(true);
    expect(isOnSale(offering({ validity: { kind: 'none' } }), NOW, 'UTC')).toBe(true);
    for (const status of ['draft', 'paused', 'archived'] as const) expect(isOnSale(offering({ status }), NOW, 'UTC')).toBe(false);
    expect(isOnSale(offering({ deleted: true }), NOW, 'UTC')).toBe(false);
  });

  it('with a fixed expiration date, until the end of that date in the tenant zone', () => {
    const fixed = offering({ validity: { kind: 'fixed_date', date: '2026-06-15' } });
    expect(isOnSale(fixed, NOW, 'UTC')).toBe(true);
    expect(isOnSale(fixed, '2026-06-15T23:59:59.999Z', 'UTC')).toBe(true);
    expect(isOnSale(fixed, '2026-06-16T00:00:00.000Z', 'UTC')).toBe(false);
    // 01:00 UTC on the 16th is still the 15th in New York
    expect(isOnSale(fixed, '2026-06-16T01:00:00.000Z', 'America/New_York')).toBe(true);
    expect(isOnSale(offering({ validity: { kind: 'fixed_date', date: '2026-06-14' } }), NOW, 'UTC')).toBe(false);
  });
});

describe('isOnSale agrees with the sale', () => {
  // Every status, deleted or not, validities around the decision instant, in zones either side of UTC:
  // isOnSale holds exactly when the package decider accepts the purchase (visibility aside).
  const statuses: OfferingStatus[] = ['draft', 'active', 'paused', 'archived'];
  const validities: Validity[] = [
    { kind: 'none' },
    { kind: 'days', days: 1 },
    ...['2026-06-14', '2026-06-15', '2026-06-16'].map((date): Validity => ({ kind: 'fixed_date', date })),
  ];
  const nows = ['2026-06-14T23:30:00.000Z', '2026-06-15T00:30:00.000Z', '2026-06-15T12:00:00.000Z', '2026-06-15T23:59:59.999Z', '2026-06-16T03:00:00.000Z'];
  const zones = ['UTC', 'America/New_York', 'Pacific/Kiritimati', 'Europe/Berlin'];
  const cases = statuses.flatMap((status) => [false, true].flatMap((deleted) => validities.flatMap((validity) => nows.flatMap((now) => zones.map((zone) => ({ status, deleted, validity, now, zone }))))));

  it.each([cases.length])('over %i combinations', () => {
    const disagreements = cases.filter(({ status, deleted, validity, now, zone }) => {
      let sold = true;
      try {
        decidePackage(
          {
            type: 'PurchasePackage',
            packageId: 'pkg-1',
            clientId: 'client-1',
            offering: { exists: true, offeringId: 'off-1', name: 'x', description: null, sessionCount: 3, price: { amount: 1000, currency: 'EUR' }, validity, ...OFFERING_FIELD_DEFAULTS, status, deleted },
            payment: { method: 'cash', reference: null },
            clientGroups: [],
            visibilityOverride: null,
          },
          initialPackageState,
          { now, timezone: zone },
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        sold = false;
      }
      return sold !== isOnSale({ status, deleted, validity }, now, zone);
    });
    expect(disagreements).toEqual([]);
  });
});
