// Counts in messages: "1 file", "2 files", so no message a user reads says "1 artifacts".

/** `count` followed by `noun`, or by its plural (`noun` + "s" unless given) when count is not 1. */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}
