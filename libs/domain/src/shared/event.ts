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
