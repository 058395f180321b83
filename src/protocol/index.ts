export * from './codes.js';
export * from './frames.js';
export * from './ids.js';
export * from './decode.js';
export * from './messages.js';
export * from './limits.js';
