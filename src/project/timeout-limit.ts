// The longest timeout handoff takes: Node.js timers hold at most 2^31 - 1 ms, and a longer one fires at once.
export const MAX_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** `2147483 s (24.8 days)`: the limit as errors name it. */
export const MAX_TIMEOUT_TEXT = `${MAX_TIMEOUT_SECONDS} s (${(MAX_TIMEOUT_SECONDS / 86_400).toFixed(1)} days)`;
