/** A time in a violation message: ms since the scenario started, to 0.1 ms. */
export const ms = (t: number): string => String(Math.round(t * 10) / 10);
