// Renders Jinja2-syntax templates for commands and files; plain text and `{{ name }}` here, the rest by the engine.
import { formatPythonStr } from './python-str.js';
import type { Masker } from '../secrets/mask.js';
import { quoteForShell } from './text-forms.js';

export { quoteForShell };

export interface Renderer {
  /** `origin` names where the template came from in messages, e.g. `tasks[0].pipeline[1]` or `files/config.json`. */
  render(template: string, values: Record<string, unknown>, origin: string): string;
  /**
   * Throws the UserError of a template's syntax error (or unknown filter or test) without rendering it: for templates
   * that can only be rendered later (a foreach line's commands), so the error still comes before anything runs.
   */
  check(template: string, origin: string): void;
}

export interface RendererOptions {
  /** An undefined variable is an error instead of a warning (`--strict`). */
  strict: boolean;
  onWarning: (message: string) => void;
  /** Masks secret values in render errors, which can quote a value (`template not found: <the value>`). */
  masker?: Masker;
}

type TemplateEngine = typeof import('./template-engine.js');

let engine: TemplateEngine | undefined;

/**
 * Loads the template engine: nunjucks, its Jinja2 compatibility and Python's semantics (template-engine.ts). Neither is
 * imported with this module: together they are most of what a run would otherwise load and compile (about 300 KB of
 * code, 10 ms of CPU and several MB of memory), and most runs of a project without any template syntax never need
 * them. Callers that may render a template await this first; a run does so only when its project or its files/ folder
 * can hold one.
 */
export async function loadTemplateEngine(): Promise<void> {
  if (engine) return;
  const loaded = await import('./template-engine.js');
  await loaded.loadNunjucks();
  engine ??= loaded;
}

function loadedEngine(): TemplateEngine {
  if (!engine) throw new Error('internal error: a template was rendered before the template engine was loaded (loadTemplateEngine)');
  return engine;
}

const TEMPLATE_START = /\{[{%#]/;

/**
 * Creates a renderer. Text without template syntax renders as itself and `{{ name }}` of defined names as the value's
 * Python str(), with no engine; anything else goes to the engine's renderer, made at the first such template.
 */
export function createRenderer(options: RendererOptions): Renderer {
  let engineRenderer: Renderer | undefined;
  const viaEngine = (): Renderer => (engineRenderer ??= loadedEngine().createEngineRenderer(options));
  return {
    check(template, origin) {
      if (needsTemplateEngine(template)) viaEngine().check(template, origin);
    },
    render(template, values, origin) {
      // Plain text needs no engine; this keeps the common case fast and its bytes untouched by construction.
      if (!TEMPLATE_START.test(template)) return template;
      // Text with `{{ name }}` of defined values only, the next most common case, needs no compile either.
      const substituted = renderSubstitutions(template, values);
      if (substituted !== undefined) return substituted;
      return viaEngine().render(template, values, origin);
    },
  };
}

/** `{{ name }}`: a bare variable, the only template syntax renderSubstitutions takes. */
const SUBSTITUTION = /\{\{[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}\}/;
/** Text whose only template syntax is `{{ name }}`: no syntax error is possible in it. */
const SUBSTITUTIONS_ONLY = new RegExp(`^(?:(?!\\{[{%#])[\\s\\S]|${SUBSTITUTION.source})*$`);

/**
 * Renders text whose only template syntax is `{{ name }}` of names the values hold, as nunjucks would (each value as
 * Python's str() writes it, by the same formatPythonStr), without parsing and compiling a template: a project of
 * many tasks has as many distinct command lines, each compiled once otherwise. Undefined when the engine must decide:
 * any other syntax, or a name the values do not hold (reported as missing, or one of nunjucks' globals).
 */
function renderSubstitutions(template: string, values: Record<string, unknown>): string | undefined {
  // With its capturing group, split gives text, name, text, name, …, text.
  const parts = template.split(new RegExp(SUBSTITUTION.source, 'g'));
  for (let i = 0; i < parts.length; i += 2) if (TEMPLATE_START.test(parts[i]!)) return undefined;
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i]!;
    if (!Object.prototype.hasOwnProperty.call(values, name)) return undefined;
    out += formatPythonStr(values[name]) + parts[i + 1]!;
  }
  return out;
}

/** Whether `text` needs the engine to render or check: syntax other than `{{ name }}` (see renderSubstitutions). */
export function needsTemplateEngine(text: string): boolean {
  return TEMPLATE_START.test(text) && !SUBSTITUTIONS_ONLY.test(text);
}

/** Whether `text` holds template syntax (`{{`, `{%`, `{#`): text without it renders as itself, with no engine. */
export function holdsTemplateSyntax(text: string): boolean {
  return TEMPLATE_START.test(text);
}
