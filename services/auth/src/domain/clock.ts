/** Where the domain gets the time from; tests hand in a clock they can move. */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };
