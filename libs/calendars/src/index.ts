export * from './busy-times';
export * from './local-days';
export * from './fetch-calendar';
export * from './zones';
