import { Money } from '../shared/money';

/** What can be booked (a "service"): how long it lasts, how many share it, and its booking rules. */
export const SESSION_DURATIONS = [15, 30, 45, 60, 75, 90, 105, 120] as const;
export const BUFFER_MINUTES = [0, 5, 10, 15, 30, 45, 60] as const;
export const MAX_CAPACITY = 500;
export const MAX_LEAD_DAYS = 730;
export const MAX_MIN_LEAD_HOURS = 24 * 365;
export const MAX_SESSIONS_PER_DAY = 200;

export type CatalogStatus = 'draft' | 'active' | 'paused' | 'archived';

export interface SessionTypeFields {
  name: string;
  description: string | null;
  coverImageUrl: string | null;
  /** One of SESSION_DURATIONS. */
  durationMinutes: number;
  /** 1 = private; 2+ = group session shared by that many clients. */
  capacity: number;
  price: Money;
  nonMemberPrice: Money | null;
  location: string | null;
  /** Gap kept free between two sessions on the same schedule; one of BUFFER_MINUTES. */
  bufferMinutes: number;
  /** A session must be booked at least this many hours before it starts. */
  minLeadHours: number;
  /** A session can be booked at most this many days ahead; null = no limit. */
  maxLeadDays: number | null;
  /** At most this many sessions of this type per local day on one schedule; null = no limit. */
  maxSessionsPerDay: number | null;
}

/** A wall-clock range within one local day, "HH:mm" to "HH:mm" (end may be "24:00"), end after start. */
export interface TimeRange {
  start: string;
  end: string;
}

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export type WeeklyHours = Record<Weekday, TimeRange[]>;

/** Replaces one calendar date's weekly hours: [] = day off; ranges = the hours that day (extra or different). */
export interface DateOverride {
  date: string;
  hours: TimeRange[];
}

export interface ScheduleFields {
  /** Who runs the sessions (a name or staff reference; not a client). */
  host: string;
  /** IANA zone the hours are in. */
  timezone: string;
  weeklyHours: WeeklyHours;
  overrides: DateOverride[];
  /** The session types bookable on this schedule. */
  sessionTypeIds: string[];
  active: boolean;
}
