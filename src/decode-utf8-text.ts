// Decodes a file's bytes as the UTF-8 text PyYAML read in the original: one leading byte order mark is dropped.

/**
 * Editors that save "UTF-8 with BOM" (Windows Notepad) start the file with U+FEFF. PyYAML skips it, and the yaml
 * package does not always (before a top-level list, as in every secrets file, it is a syntax error), so every reader
 * of a file the original read with PyYAML decodes it here. `fatal`: bytes that are not UTF-8 throw a TypeError
 * instead of becoming U+FFFD.
 */
export function decodeUtf8Text(bytes: Uint8Array, options: { fatal?: boolean } = {}): string {
  // TextDecoder drops one leading BOM unless told not to (ignoreBOM); Buffer's toString('utf8') keeps it.
  return new TextDecoder('utf-8', { fatal: options.fatal ?? false }).decode(bytes);
}
