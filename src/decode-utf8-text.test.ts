// A leading byte order mark is dropped once, as PyYAML drops it; invalid bytes throw only when asked to.
import { describe, expect, it } from 'vitest';
import { decodeUtf8Text } from './decode-utf8-text.js';

describe('decodeUtf8Text', () => {
  it('drops one leading BOM, and only a leading one', () => {
    expect(decodeUtf8Text(Buffer.from('\ufeff- key: a\n'))).toBe('- key: a\n');
    expect(decodeUtf8Text(Buffer.from('\ufeff\ufeffx'))).toBe('\ufeffx');
    expect(decodeUtf8Text(Buffer.from('a\ufeffb'))).toBe('a\ufeffb');
  });

  it('replaces bytes that are not UTF-8, or throws with fatal', () => {
    expect(decodeUtf8Text(Buffer.from([0x61, 0xff]))).toBe('a\ufffd');
    expect(() => decodeUtf8Text(Buffer.from([0x61, 0xff]), { fatal: true })).toThrow(TypeError);
  });
});
