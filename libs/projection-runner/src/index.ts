export * from './projection';
export * from './projection-runner';
export * from './lease';
export * from './leased-interval';
