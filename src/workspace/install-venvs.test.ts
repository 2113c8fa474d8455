// What a tool said when a step of workspace install failed (pip install wheel, python -m venv): the line quoted.
import { describe, expect, it } from 'vitest';
import { quotedReason } from './install-venvs.js';

describe('quotedReason', () => {
  it('quotes pip 18\'s reason, which has no ERROR: prefix', () => {
    const lines = [
      'Looking in links: /opt/wheels',
      'Collecting wheel',
      "  Retrying (Retry(total=0, connect=None)) after connection broken by 'NewConnectionError(...)': /simple/wheel/",
      "wheel requires Python '>=3.9' but the running Python is 3.6.15",
    ];
    expect(quotedReason(lines)).toBe("wheel requires Python '>=3.9' but the running Python is 3.6.15");
  });

  it('prefers pip\'s ERROR: line, and says nothing without output', () => {
    expect(quotedReason(['Collecting wheel', 'ERROR: No matching distribution found for wheel', '  some note'])).toBe('ERROR: No matching distribution found for wheel');
    expect(quotedReason(['', '  '])).toBeUndefined();
  });
});
