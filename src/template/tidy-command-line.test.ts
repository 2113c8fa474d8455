// Tests for tidying rendered command lines for display.
import { describe, expect, it, beforeAll } from 'vitest';
import { createRenderer, loadTemplateEngine } from './render.js';
import { tidyCommandLine } from './tidy-command-line.js';

// Templates need the engine, which the CLI loads before rendering (see loadTemplateEngine).
beforeAll(loadTemplateEngine);

describe('tidyCommandLine', () => {
  it('leaves no double space where an empty template block was', () => {
    const renderer = createRenderer({ strict: false, onWarning: () => {} });
    const line = renderer.render('tap --config c.json {% if state %}--state {{ state }}{% endif %} --catalog k.json ', { state: '' }, 'f');
    expect(line).toBe('tap --config c.json  --catalog k.json ');
    expect(tidyCommandLine(line)).toBe('tap --config c.json --catalog k.json');
  });

  it('keeps spaces inside quotes, after a backslash and after the first line', () => {
    expect(tidyCommandLine(`echo  "a   b"  'c\t d'  e\\  f`)).toBe(`echo "a   b" 'c\t d' e\\  f`);
    expect(tidyCommandLine(`echo "it's  fine"   x`)).toBe(`echo "it's  fine" x`);
    expect(tidyCommandLine('cat <<EOF  \n  two  spaces\nEOF')).toBe('cat <<EOF \n  two  spaces\nEOF');
  });
});
