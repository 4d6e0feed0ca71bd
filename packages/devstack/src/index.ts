export * from './embedded-postgres.js';
export * from './processes.js';
export * from './stack.js';
