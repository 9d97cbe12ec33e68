import { Inject, Injectable } from '@nestjs/common';
import { CalendarFetchError, expandBusyTimes, fetchCalendar, intervalsByLocalDay } from '@punchcard/calendars';
import { scheduleDecider, scheduleStreamId } from '@punchcard/domain';
import { Config } from '@punchcard/platform';
import { withTenant } from '@punchcard/postgres';
import { isPrivateAddress } from '../outbound-webhooks';
import { APP_CONFIG, Clock, CLOCK } from '../tokens';
import { StreamExecutor } from '../write-side/stream-executor';
import { BusyCalendarStore, CalendarRow, DayInterval } from './busy-calendar-store';

const DAY = 86_400_000;
/** A 304 keeps the stored intervals; the window moves daily, so at least once a day the body is fetched and expanded again. */
export const FULL_FETCH_EVERY_MS = DAY;

/** `superseded`: a refresh that started later has already written the calendar; this one wrote nothing. */
export type RefreshOutcome = 'replaced' | 'not_modified' | 'failed' | 'gone' | 'superseded';

/**
 * Refreshes one calendar (ADR 0026): fetch (conditional on ETag / Last-Modified while the last
 * expansion is less than a day old), expand opaque, not-cancelled events over [yesterday, now +
 * horizon], group by the schedule's local days, and replace the calendar's intervals atomically.
 * A failure (timeout, HTTP error, too large, unreadable) is recorded and keeps the last good intervals.
 */
@Injectable()
export class CalendarRefresher {
  constructor(
    private readonly store: BusyCalendarStore,
    private readonly streams: StreamExecutor,
    @Inject(APP_CONFIG) private readonly config: Config,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async refresh(row: CalendarRow): Promise<RefreshOutcome> {
    const now = this.clock.now();
    const settings = this.config.calendars;
    try {
      const conditional = row.expandedAt && now.getTime() - row.expandedAt.getTime() < FULL_FETCH_EVERY_MS ? { etag: row.etag ?? undefined, lastModified: row.lastModified ?? undefined } : null;
      const fetched = await fetchCalendar(this.store.openUrl(row), conditional, {
        allowHttp: settings.allowHttp,
        allowPrivateNetworks: settings.allowPrivateNetworks,
        timeoutMs: settings.timeoutMs,
        maxBytes: settings.maxBytes,
        isPrivateAddress,
      });
      if (fetched.kind === 'not_modified') {
        await this.store.recordNotModified(row, now);
        return 'not_modified';
      }
      const zone = await this.scheduleZone(row);
      const from = new Date(now.getTime() - DAY);
      const to = new Date(now.getTime() + settings.horizonDays * DAY);
      // Clipped to the window, merged where events overlap; transparent, cancelled and Outlook "free" events do not block.
      const { intervals } = await expandBusyTimes(fetched.body, { from, to, floatingZone: zone });
      const rows: DayInterval[] = [];
      for (const [localDate, onDay] of intervalsByLocalDay(intervals, zone)) for (const i of onDay) rows.push({ localDate, start: i.start, end: i.end });
      return await this.store.replaceIntervals(row, rows, { etag: fetched.etag, lastModified: fetched.lastModified, eventCount: intervals.length, at: now });
    } catch (error) {
      const failure = error instanceof CalendarFetchError ? { code: error.code, message: error.message } : { code: 'calendar_refresh_failed', message: String(error) };
      await this.store.recordFailure(row, now, failure);
      return 'failed';
    }
  }

  /** The schedule's zone, from its stream (busy days are its local days); UTC if the schedule is gone. */
  private async scheduleZone(row: CalendarRow): Promise<string> {
    const { state } = await withTenant(row.tenantId, () => this.streams.load(scheduleStreamId(row.scheduleId), row.tenantId, scheduleDecider));
    return state.exists ? state.timezone : 'UTC';
  }
}
