export * from './database.js';
export * from './keys.js';
export * from './stack.js';
export * from './client.js';
export * from './internal.js';
export * from './sse.js';
