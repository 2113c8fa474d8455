// Tells a command line that needs no shell (plain words) from one that does, so the former runs without /bin/sh -c.

/**
 * Characters of a word that mean only themselves to /bin/sh wherever they stand: letters, digits, `_ . , : @ % + = / -`
 * and any non-ASCII character (dash reads those bytes literally). Everything else might be shell syntax — quotes, `\`,
 * `$`, backquotes, globs `* ? [ ]`, `~`, `#`, `! { }`, `; & | < > ( )`, `^`, newlines and other control characters —
 * and sends the line to the shell. Surrogates are left out: a lone one has no UTF-8 form of its own.
 */
const PLAIN_WORD = /^[A-Za-z0-9_.,:@%+=/\u00A0-\uD7FF\uE000-\uFFFD-]+$/;

/**
 * First words the shell runs itself, or reads as grammar: POSIX and bash reserved words, and the builtins of dash and
 * bash. `echo`, `test`, `printf`, `true`, `kill` and `pwd` are among them: the shell's own version is what a command
 * line has always run, and it differs from the program of that name (dash's echo reads `-e` as text).
 */
const SHELL_WORDS = new Set(
  (
    // reserved words
    '! { } [[ ]] case do done elif else esac fi for function if in select then time until while coproc ' +
    // dash builtins
    '. : [ alias bg break cd chdir command continue echo eval exec exit export false fc fg getopts hash jobs kill ' +
    'local printf pwd read readonly return set shift test times trap true type ulimit umask unalias unset wait ' +
    // bash builtins beyond those
    'bind builtin caller compgen complete compopt declare dirs disown enable help history let logout mapfile popd ' +
    'pushd readarray shopt source suspend typeset'
  ).split(' '),
);

/**
 * The words of `line` when /bin/sh would do nothing with it but split it at blanks and run the program its first word
 * names with the rest as arguments; undefined when the line needs the shell. Conservative by design: a line with any
 * character that could be shell syntax, an assignment (`=` in the first word) or a shell word first goes to the shell.
 */
export function splitPlainCommand(line: string): string[] | undefined {
  const words = line.split(/[ \t]+/).filter((word) => word !== '');
  if (words.length === 0) return undefined;
  if (SHELL_WORDS.has(words[0]) || words[0].includes('=')) return undefined;
  return words.every((word) => PLAIN_WORD.test(word)) ? words : undefined;
}
