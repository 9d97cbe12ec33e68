export * from './planning';
export * from './templates';
export * from './mail-transport';
export * from './unsubscribe-token';
export * from './ics';
export * from './default-templates';
