export * from './given-when-then';
export * from './package-histories';
