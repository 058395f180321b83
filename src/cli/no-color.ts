// chalk 5 reads FORCE_COLOR but not NO_COLOR (https://no-color.org); map one to the other before
// chalk (or ink) is first imported. main.ts imports this module first for that reason.
if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') process.env.FORCE_COLOR = '0';
export {};
