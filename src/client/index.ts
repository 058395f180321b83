export * from './errors.js';
export * from './http-client.js';
export * from './im-client.js';
export * from './match.js';
export { summarizeFrame } from './frame-format.js';
export type { WaitForOptions } from './inbox.js';
export type * from './types.js';
