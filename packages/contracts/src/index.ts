export * from './quest.js';
export * from './auth-internal.js';
export * from './progress-internal.js';
export * from './event-types.js';
export * from './webhook-messages.js';
