/** A domain event as deciders produce and consume it: a type and its data, nothing else. */
export interface DomainEvent<TType extends string = string, TData = unknown> {
  type: TType;
  data: TData;
}

/**
 * Everything a command needs from the outside world, passed in so decide/evolve stay pure:
 * the instant the command is decided at (ISO-8601 UTC) and the tenant's IANA time zone.
 */
export interface DecisionContext {
  now: string;
  timezone: string;
}

/**
 * The event types of one family. `has` takes any string (stored events' types are strings) and
 * narrows it to the family's types.
 */
export interface EventTypeSet<TType extends string> extends ReadonlySet<TType> {
  has(type: string): type is TType;
}

/**
 * The set of a table's keys. Families build it from a table typed `Record<TheirEventType, ...>`,
 * so a type missing from the table, or one that is not theirs, fails the build.
 */
export function eventTypeSet<TType extends string>(table: Readonly<Record<TType, unknown>>): EventTypeSet<TType> {
  return new Set(Object.keys(table)) as ReadonlySet<string> as EventTypeSet<TType>;
}

/**
 * A type guard for one family's events, built from its type set: `isPackageEvent(stored)` narrows a
 * stored event to `StoredEvent & PackageEvent` (the type decides the data's shape).
 */
export function eventGuard<TEvent extends DomainEvent>(types: EventTypeSet<TEvent['type']>) {
  return <TValue extends { type: string }>(event: TValue): event is TValue & TEvent => types.has(event.type);
}

/** Current schema version of each of a family's event types (exhaustive: see eventTypeSet). */
export type SchemaVersions<TType extends string> = Readonly<Record<TType, number>>;

/** Lifts the data of a stored event from one schema version to the next. */
export type Upcaster = (data: any) => unknown;

/**
 * A family's upcasters: `{ SomeEvent: { 1: (data) => ({ ...data, newField: default }) } }` lifts v1 to v2.
 * Stored events are never rewritten; every reader upcasts them (see upcast).
 */
export type Upcasters<TType extends string> = Readonly<Partial<Record<TType, Readonly<Record<number, Upcaster>>>>>;
