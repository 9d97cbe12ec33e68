import { CURRENT_SCHEMA_VERSION, upcast } from '../domain-events';
import { evolveOffering, initialOfferingState } from './offering.decider';
import { OFFERING_FIELD_DEFAULTS, OfferingEvent } from './offering.events';

/** An OfferingCreated exactly as the first release stored it (schemaVersion 1). */
const storedV1 = () => ({
  offeringId: 'off-1',
  name: '10 sessions',
  description: null,
  sessionCount: 10,
  price: { amount: 90000, currency: 'USD' },
  validity: { kind: 'days', days: 90 },
  status: 'active',
});

describe('OfferingCreated schema versions', () => {
  it('is at v2; OfferingDeleted is at v1', () => {
    expect(CURRENT_SCHEMA_VERSION.OfferingCreated).toBe(2);
    expect(CURRENT_SCHEMA_VERSION.OfferingDeleted).toBe(1);
  });

  it('lifts a v1 event by adding the defaults of the newer fields, keeping every stored value', () => {
    expect(upcast('OfferingCreated', 1, storedV1())).toEqual({ ...storedV1(), ...OFFERING_FIELD_DEFAULTS });
    expect(upcast('OfferingCreated', 1, storedV1())).toMatchObject({
      scheduleId: null,
      sessionTypeIds: [],
      maxSessionsPerWeek: null,
      visibility: { kind: 'all' },
      reminders: [],
      feedbackRequest: false,
      cancellationPolicy: { noticeHours: 24, lateCancellation: 'forfeit', noShow: 'forfeit' },
    });
  });

  it('leaves a v2 event as stored', () => {
    const v2 = { ...storedV1(), ...OFFERING_FIELD_DEFAULTS, maxSessionsPerWeek: 3, visibility: { kind: 'groups', groups: ['VIP'] } };
    expect(upcast('OfferingCreated', 2, v2)).toBe(v2);
  });

  it('never hands out the shared defaults: changing one upcast event does not change the next', () => {
    const first = upcast('OfferingCreated', 1, storedV1()) as { sessionTypeIds: string[]; cancellationPolicy: { noticeHours: number } };
    first.sessionTypeIds.push('x');
    first.cancellationPolicy.noticeHours = 1;
    expect(upcast('OfferingCreated', 1, storedV1())).toMatchObject({ sessionTypeIds: [], cancellationPolicy: { noticeHours: 24 } });
    expect(OFFERING_FIELD_DEFAULTS.sessionTypeIds).toEqual([]);
  });

  it('an upcast v1 offering folds into a complete, not deleted state', () => {
    const event = { type: 'OfferingCreated', data: upcast('OfferingCreated', 1, storedV1()) } as OfferingEvent;
    expect(evolveOffering(initialOfferingState, event)).toEqual({ exists: true, deleted: false, ...storedV1(), ...OFFERING_FIELD_DEFAULTS });
  });
});
