import { loadConfig, retentionHoursFrom } from './config';

describe('PUNCHCARD_IDEMPOTENCY_RETENTION_HOURS', () => {
  it('defaults to 24 hours and takes a number of hours, at least 1', () => {
    expect(loadConfig({}).idempotencyRetentionHours).toBe(24);
    expect(retentionHoursFrom(' ')).toBe(24);
    expect(loadConfig({ PUNCHCARD_IDEMPOTENCY_RETENTION_HOURS: '72' }).idempotencyRetentionHours).toBe(72);
    expect(retentionHoursFrom('1.5')).toBe(1.5);
    for (const bad of ['0', '0.5', '-3', 'a day', 'Infinity']) expect(() => retentionHoursFrom(bad)).toThrow(/at least 1/);
  });
});
