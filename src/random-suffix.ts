// Random hex suffixes for temporary file names and run ids: against collisions, not guessing (nothing secret).

/**
 * `length` hex characters from Math.random. node:crypto is not used here on purpose: loading it brings some 17 of
 * Node.js's internal modules, about 1 MB of a run's peak RSS, for names that only have to differ.
 */
export function randomHex(length: number): string {
  let text = '';
  while (text.length < length) text += Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0');
  return text.slice(0, length);
}
