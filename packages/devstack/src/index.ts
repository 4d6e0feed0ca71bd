export * from './database-probe.js';
export * from './embedded-postgres.js';
export * from './instance-lock.js';
export * from './processes.js';
export * from './stack.js';
export * from './startup-cause.js';
export * from './orphan-guard.js';
