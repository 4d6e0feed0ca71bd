export * from './database.js';
export * from './keys.js';
