export * from './secret-box';
export * from './stripe-events';
export * from './stripe-gateway';
export * from './refund-events';
