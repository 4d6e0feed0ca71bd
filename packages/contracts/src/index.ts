export * from './quest.js';
export * from './auth-internal.js';
export * from './progress-internal.js';
