// Loads project.yml into the validated Project: read → YAML → schema → named rules → normalize, all problems at once.
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../errors.js';
import type { Diagnostic, SourceLocation } from '../errors.js';
import type { Project } from './types.js';
import type { KeyPath } from './format-key-path.js';
import { checkRules } from './check-rules.js';
import { checkSchema } from './check-schema.js';
import { checkWrittenForm, isIgnoredKeyNotice } from './check-written-form.js';
import { describeValue, isRecord } from './describe-value.js';
import { missingProjectFileFix } from './missing-project-file.js';
import { normalizeProject } from './normalize-project.js';

// node:fs's callbacks, not node:fs/promises, which loads readline, streams and the fs watchers with it (0.5 MB of the
// peak memory of the run that checks a new or changed project.yml).
const readFile = promisify(fs.readFile);
const stat = promisify(fs.stat);
import { MAX_PROJECT_FILE_BYTES, PositionalReaderNeeded, fileTooLarge, loadPositionalReader, parseYamlSource, type PositionalReader } from './parse-yaml-source.js';
import { isYamlFloatText } from './pyyaml-scalars.js';
import { projectSchema } from './schema.js';
import { plural } from '../plural.js';
import { decodeUtf8Text } from '../decode-utf8-text.js';

export interface LoadedProject {
  project: Project;
  /** Problems that do not stop a run (unknown keys, ignored keys, numbers read from text); in file order. */
  warnings: Diagnostic[];
}

/**
 * A loaded project that can still say where a key path is written (the nearest enclosing node when it is not).
 * `locate` needs the positional reader: await loadPositionalReader() before calling it.
 */
export interface LocatedProject extends LoadedProject {
  locate(path: KeyPath): SourceLocation;
}

/** How a command checks project.yml beyond the file itself. */
export interface LoadProjectOptions {
  /** `--cloud-provider`: `deploy` is checked for the cloud the command uses, not the one project.yml names. */
  cloudProvider?: string;
}

const projectFileName = 'project.yml';
const projectDirFix = 'point -p/--project-dir at the folder that holds project.yml';

/** Reads `<projectDir>/project.yml`. Throws a UserError (exit code 2) listing every problem when it is not valid. */
export async function loadProject(projectDir: string, options: LoadProjectOptions = {}): Promise<LoadedProject> {
  const { project, warnings } = await loadLocatedProject(projectDir, options);
  return { project, warnings };
}

/** loadProject, keeping the positions of project.yml for checks made after loading (`config validate`'s templates). */
export async function loadLocatedProject(projectDir: string, options: LoadProjectOptions = {}): Promise<LocatedProject> {
  const file = path.join(projectDir, projectFileName);
  await checkProjectDir(projectDir, file);

  let bytes: Buffer;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw missingFile(file, `${file} is a folder, not a file`);
    if (info.size > MAX_PROJECT_FILE_BYTES) throw fileTooLarge(file);
    bytes = await readFile(file);
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw missingFile(file, `no project.yml in ${projectDir} (looked for ${path.resolve(file)})`, missingProjectFileFix(projectDir, projectDirFix));
    throw new UserError(`cannot read ${file}: ${(error as Error).message}`, {
      fix: code === 'EACCES' ? 'give your user read permission on project.yml' : projectDirFix,
      diagnostics: [{ severity: 'error', message: `cannot read the file (${code ?? 'error'})`, location: { file } }],
      cause: error,
    });
  }
  const text = decodeUtf8(bytes, file);
  // A plain project.yml with nothing to locate is read without the positional reader; one that needs it (a document
  // the fast reader does not take, a problem to locate) is read again once the reader is loaded. The checks are pure.
  try {
    return parseLocatedProject(text, file, projectDir, undefined, options);
  } catch (error) {
    if (!(error instanceof PositionalReaderNeeded)) throw error;
    return parseLocatedProject(text, file, projectDir, await loadPositionalReader(), options);
  }
}

/**
 * Validates and normalizes project.yml text. `file` is used in messages and, made absolute, as `project.file`.
 * Throws a UserError whose diagnostics hold every error and warning found, each with file:line:col. Without `reader`
 * (the positional reader), PositionalReaderNeeded when the text needs it and loadPositionalReader has not loaded it.
 */
export function parseLocatedProject(text: string, file: string, projectDir: string, reader?: PositionalReader, options: LoadProjectOptions = {}): LocatedProject {
  const source = parseYamlSource(text, file, reader);
  if (!isRecord(source.data)) {
    const found = source.data === null ? describeNullDocument(text) : describeValue(source.data);
    throw new UserError(`${file} must be a mapping of keys such as tasks:, found ${found}`, {
      fix: 'start project.yml with top-level keys, e.g. `tasks:`',
      diagnostics: [
        ...source.warnings,
        { severity: 'error', message: `found ${found}; expected a mapping of keys such as tasks:`, location: source.locate([]) },
      ],
    });
  }

  const schema = checkSchema(source);
  // A key ignored for compatibility inside an element that is refused as a whole gets no "ignored" notice beside the
  // error: the error says what to do with the element.
  const refused = schema.diagnostics.filter((d) => d.severity === 'error' && d.path).map((d) => `${d.path}.`);
  const written = checkWrittenForm(projectSchema, source).filter((d) => !isIgnoredKeyNotice(d) || !refused.some((p) => d.path?.startsWith(p)));
  const diagnostics = sortByLocation([...source.warnings, ...schema.diagnostics, ...written, ...checkRules(source, options)]);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !schema.value) throw new ProjectStructureRefusal(file, source.data, (at) => source.locate(at), diagnostics);

  const writtenAsFloat = (at: Parameters<typeof source.sourceText>[0]): boolean => isYamlFloatText(source.sourceText(at));
  return { project: normalizeProject(schema.value, file, projectDir, writtenAsFloat, (at) => source.sourceText(at)), warnings: diagnostics, locate: (at) => source.locate(at) };
}

/**
 * project.yml refused by its structure (schema, rules): every problem found, and the document as written with its
 * positions, so a command can add the problems of the document's templates to the same report (SPEC §2: all problems
 * at once) without loading anything for a valid project (cli/add-written-template-problems.ts).
 */
export class ProjectStructureRefusal extends UserError {
  constructor(
    readonly file: string,
    readonly document: Record<string, unknown>,
    readonly locate: (at: KeyPath) => SourceLocation,
    diagnostics: Diagnostic[],
  ) {
    super(summarizeProblems(file, diagnostics), { fix: 'fix each problem listed, then run again', diagnostics });
  }
}

/** `<file> has 2 problems (and 1 warning)`: the head of a refusal listing `diagnostics`. */
export function summarizeProblems(file: string, diagnostics: readonly Diagnostic[]): string {
  const errorCount = diagnostics.filter((d) => d.severity === 'error').length;
  const warningCount = diagnostics.length - errorCount;
  return `${file} has ${plural(errorCount, 'problem')}${warningCount > 0 ? ` (and ${plural(warningCount, 'warning')})` : ''}`;
}

async function checkProjectDir(projectDir: string, file: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(projectDir)).isDirectory();
  } catch {
    throw missingFile(file, `project folder ${projectDir} does not exist (looked for ${path.resolve(file)})`);
  }
  if (!isDirectory) {
    const fix = path.basename(projectDir) === projectFileName ? `pass the folder instead: -p ${path.dirname(projectDir)}` : projectDirFix;
    throw new UserError(`${projectDir} is a file; -p/--project-dir expects the folder that holds project.yml`, {
      fix,
      diagnostics: [{ severity: 'error', message: 'expected a folder', location: { file: projectDir } }],
    });
  }
}

function missingFile(file: string, reason: string, fix = projectDirFix): UserError {
  return new UserError(reason, {
    fix,
    diagnostics: [{ severity: 'error', message: 'project.yml not found', location: { file } }],
  });
}

/** Decodes strictly: a project.yml that is not UTF-8 is almost always the wrong file, and guessing would garble it. */
function decodeUtf8(bytes: Buffer, file: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw notText(file, 'is UTF-16 text', { file, line: 1, col: 1 }, 'save project.yml as UTF-8');
  }
  try {
    return decodeUtf8Text(bytes, { fatal: true });
  } catch {
    // Find the first byte that is not UTF-8 to point at it: decode leniently and look for the replacement mark.
    const lenient = bytes.toString('utf8');
    const bad = Math.max(0, lenient.indexOf('\uFFFD'));
    const before = lenient.slice(0, bad);
    const location = { file, line: before.split('\n').length, col: bad - before.lastIndexOf('\n') };
    // Text saved in a one-byte encoding (é as 0xE9) has no NUL and no control bytes besides tabs and line breaks.
    if (!bytes.some((b) => b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d)) {
      const byte = bytes[Buffer.byteLength(before, 'utf8')]!;
      const hex = `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
      throw notText(file, `is not UTF-8 text: byte ${hex} at line ${location.line}, column ${location.col} is not UTF-8 (the file looks saved as Latin-1 or Windows-1252)`, location, 'save project.yml as UTF-8 (your editor\'s encoding setting, or iconv -f latin1 -t utf-8)');
    }
    throw notText(file, 'is not UTF-8 text (it looks like binary data)', location, 'point -p at the folder holding the real project.yml, or save it as UTF-8');
  }
}

/** A document of only comments is empty; `~` or `null` is written null, and said so with what was written. */
function describeNullDocument(text: string): string {
  const written = text.replace(/^\uFEFF/, '').replace(/#.*$/gm, '').replace(/^(---|\.\.\.)\s*$/gm, '').trim();
  return written === '' ? 'an empty document' : `null (\`${written.length > 20 ? `${written.slice(0, 20)}…` : written}\`)`;
}

function notText(file: string, what: string, location: { file: string; line: number; col: number }, fix: string): UserError {
  return new UserError(`${file} ${what}`, { fix, diagnostics: [{ severity: 'error', message: `the file ${what}`, location, hint: fix }] });
}

/** Diagnostics in the order of the file (stable: those at one place keep their order). */
export function sortByLocation(diagnostics: Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) => [d.location?.line ?? 0, d.location?.col ?? 0] as const;
  return [...diagnostics].sort((a, b) => {
    const [la, ca] = key(a);
    const [lb, cb] = key(b);
    return la - lb || ca - cb;
  });
}

