export * from './config';
export * from './database';
export * from './infrastructure';
export { MIGRATIONS } from './migrations';
