import { migrate } from '@punchcard/postgres';
import { createTestDatabase, TestDatabase } from '../../../../test/support/test-database';
import { MIGRATIONS } from './index';

const RENAME = 'messages-004-reschedule-notice-ids-by-change';

describe(`migration ${RENAME}`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(MIGRATIONS.filter((m) => m.id !== RENAME));
  });
  afterAll(() => db?.drop());

  it('gives reschedule notices planned under the old key (the new start) the key by change, attempts included; others are left alone', async () => {
    const booking = '0190a6c2-7d3e-7b1a-9c4d-5e6f7a8b9c0d';
    const old = `booking_rescheduled:${booking}:2026-03-01T10:00:00.000Z`;
    const row = (id: string, kind: string, context: object) =>
      db.pool.query(
        `INSERT INTO due_messages (tenant_id, id, kind, client_id, package_id, status, due_at, next_attempt_at, context)
         VALUES ('t1', $1, $2, gen_random_uuid(), gen_random_uuid(), 'sent', now(), now(), $3)`,
        [id, kind, JSON.stringify(context)],
      );
    await row(old, 'booking_rescheduled', { bookingId: booking, start: '2026-03-01T10:00:00.000Z', sequence: 2 });
    await row(`booking_rescheduled:${booking}:5`, 'booking_rescheduled', { bookingId: booking, sequence: 4 }); // already new
    await row(`booking_confirmation:${booking}`, 'booking_confirmation', { bookingId: booking, sequence: 0 });
    await db.pool.query(`INSERT INTO message_attempts (tenant_id, message_id, started_at, outcome) VALUES ('t1', $1, now(), 'sent')`, [old]);

    await migrate(db.pool, MIGRATIONS);

    const ids = (await db.pool.query(`SELECT id FROM due_messages ORDER BY id`)).rows.map((r) => r.id);
    expect(ids).toEqual([`booking_confirmation:${booking}`, `booking_rescheduled:${booking}:3`, `booking_rescheduled:${booking}:5`]);
    expect((await db.pool.query(`SELECT message_id FROM message_attempts`)).rows).toEqual([{ message_id: `booking_rescheduled:${booking}:3` }]);
    const forced = await db.pool.query(`SELECT relname, relforcerowsecurity FROM pg_class WHERE relname IN ('due_messages', 'message_attempts') AND relnamespace = current_schema()::regnamespace`);
    expect(forced.rows.every((r) => r.relforcerowsecurity)).toBe(true);
  });
});
