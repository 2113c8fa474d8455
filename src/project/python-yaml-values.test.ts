// Datetimes and bytes print as python3 -c "import yaml, jinja2; …" printed them (outputs below taken from it).
import { describe, expect, it } from 'vitest';
import { formatPythonBytes, formatPythonDatetime } from './python-yaml-values.js';

describe('formatPythonDatetime', () => {
  it.each([
    ['2024-01-01T10:00:00Z', '2024-01-01 10:00:00+00:00'],
    ['2024-01-01 10:00:00.5', '2024-01-01 10:00:00.500000'],
    ['2024-01-01t10:00:00+05:30', '2024-01-01 10:00:00+05:30'],
    ['2024-1-1 1:00:00', '2024-01-01 01:00:00'],
    ['2024-01-01T10:00:00.123456789-02', '2024-01-01 10:00:00.123456-02:00'],
    ['2024-01-01 10:00:00', '2024-01-01 10:00:00'],
    ['2024-01-01 10:00:00.000', '2024-01-01 10:00:00'],
  ])('%s prints %s', (text, printed) => {
    expect(formatPythonDatetime(text)).toBe(printed);
  });

  it('leaves dates, other text and impossible times alone', () => {
    for (const text of ['2024-01-01', '2024-1-1', 'x 2024-01-01 10:00:00', '2024-02-30 10:00:00', '2024-01-01 25:00:00']) expect(formatPythonDatetime(text)).toBeUndefined();
  });
});

describe('formatPythonBytes', () => {
  it('prints as Python\'s repr of bytes', () => {
    expect(formatPythonBytes(Buffer.from('hello'))).toBe("b'hello'");
    expect(formatPythonBytes(Uint8Array.from([0, 0xff, 0x27]))).toBe('b"\\x00\\xff\'"');
    expect(formatPythonBytes(Buffer.from('a\'b"\\\n\t'))).toBe("b'a\\'b\"\\\\\\n\\t'");
  });
});
