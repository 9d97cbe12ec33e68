import { DecisionContext } from './event';

/** How a stream's state is rebuilt from its events: where it starts and how each event moves it. */
export interface Evolver<S, E> {
  readonly initialState: S;
  evolve(state: S, event: E): S;
}

/** One stream's whole model: its state from its events, and the events a command adds (pure, no clock). */
export interface Decider<C, S, E> extends Evolver<S, E> {
  decide(command: C, state: S, context: DecisionContext): E[];
}
