import { isScalar, isSeq, LineCounter, Scalar, visit } from 'yaml';
import type { YAMLMap, YAMLSeq } from 'yaml';
import type { Document, YAMLError } from 'yaml';
import { diagnostic, type Diagnostic, type DiagnosticCode, type Position } from './diagnostics.js';

/** What `yamlSyntaxDiagnostics` needs of a parsed file. */
interface YamlSource {
  file: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

/**
 * The syntax errors of one document, as a person should read them. After the first error that
 * breaks the document, the parser resynchronises on whatever follows and reports every later
 * token as "unexpected": those are echoes of the first mistake, not new ones. So the result is
 * the first such error and, before it, the duplicate keys (which break nothing around them).
 */
export function yamlSyntaxDiagnostics(source: YamlSource): Diagnostic[] {
  const errors = [...source.doc.errors].sort((a, b) => a.pos[0] - b.pos[0]);
  const fatal = errors.find((e) => e.code !== 'DUPLICATE_KEY');
  const independent = errors.filter((e) => e.code === 'DUPLICATE_KEY' && (!fatal || e.pos[0] < fatal.pos[0]));
  const lines = source.text.split('\n');
  const out = independent.map((e) => duplicateKey(source, e, lines));
  if (fatal) out.push(fatalError(source, fatal, lines));
  return out;
}

/** Whether the document has an error that makes its tree unreliable for the later layers. */
export function hasFatalYamlError(doc: Document.Parsed): boolean {
  return doc.errors.some((e) => e.code !== 'DUPLICATE_KEY');
}

function duplicateKey(source: YamlSource, error: YAMLError, lines: readonly string[]): Diagnostic {
  const pos = position(source.lineCounter, error.pos[0]);
  const lineText = lines[pos.line - 1] ?? '';
  const key =
    /^\s*(?:-\s+)?([^:#]+?)\s*:/.exec(lineText.slice(pos.column - 1))?.[1] ?? /^\s*([^:]+):/.exec(lineText)?.[1];
  return diagnostic(
    'yaml.duplicate_key',
    source.file,
    pos,
    key ? `the key \`${key.trim()}\` appears twice in the same mapping` : 'a key appears twice in the same mapping',
    'remove one of them or rename it',
  );
}

function fatalError(source: YamlSource, error: YAMLError, lines: readonly string[]): Diagnostic {
  const at = (offset: number) => position(source.lineCounter, offset);
  const raw = at(error.pos[0]);
  const lineText = lines[raw.line - 1] ?? '';
  const expr = unquotedExpressionColumn(lineText, raw.column);
  if (expr !== undefined) {
    return diagnostic(
      'yaml.expression_in_flow',
      source.file,
      { line: raw.line, column: expr },
      'an expression `${{ … }}` inside a YAML flow collection (`{ … }` or `[ … ]`) must be quoted, because `{` and `}` end the collection',
      `write it as "\${{ … }}" in double quotes`,
    );
  }
  if (error.code === 'TAB_AS_INDENT') {
    return diagnostic(
      'yaml.tab_indent',
      source.file,
      raw,
      'a tab is used for indentation; YAML allows only spaces',
      'replace the tab with spaces',
    );
  }
  const quote = error.code === 'MISSING_CHAR' ? unclosedQuote(source.doc, error.pos[0]) : undefined;
  if (quote) {
    const mark = quote.type === Scalar.QUOTE_DOUBLE ? '"' : "'";
    return diagnostic(
      'yaml.syntax',
      source.file,
      at(quote.range?.[0] ?? error.pos[0]),
      `the quoted text that starts here is never closed: everything up to the end of the file became part of it`,
      `end the text with a closing ${mark} on the same line`,
    );
  }
  // The parser points at the start of the line for an indentation problem; the key is what is misplaced.
  const pos = skipSpaces(raw, lineText);
  const flow = error.code === 'BAD_INDENT' ? unclosedFlow(source.doc, error.pos[0]) : undefined;
  if (flow) {
    const open = at(flow.range?.[0] ?? 0);
    const [opener, closer, what] = isSeq(flow) ? ['[', ']', 'list'] : ['{', '}', 'mapping'];
    return diagnostic(
      'yaml.syntax',
      source.file,
      pos,
      `the ${what} opened with \`${opener}\` at line ${open.line}, column ${open.column} is not closed before this point`,
      `end it with \`${closer}\` (a flow collection that spans lines indents every line past its key)`,
    );
  }
  const indentation = indentationProblem(error, lines, pos);
  if (indentation)
    return diagnostic('yaml.syntax', source.file, indentation.pos, indentation.message, indentation.hint);
  if (error.code === 'MULTILINE_IMPLICIT_KEY' && !/:(\s|$)/.test(lineText)) {
    const word = lineText.trim().split(/\s+/)[0] ?? '';
    return diagnostic(
      'yaml.syntax',
      source.file,
      pos,
      `this line is not a \`key: value\` pair: there is no \`:\` after \`${word}\``,
      `write \`${word}: …\` with a colon and a space`,
    );
  }
  if (COMPACT_NESTING.test(error.message) && /:\s/.test(lineText.slice(pos.column - 1))) {
    const value = lineText
      .slice(pos.column - 1)
      .replace(/\s+#.*$/, '')
      .trim();
    return diagnostic(
      'yaml.syntax',
      source.file,
      pos,
      `the value \`${value}\` holds \`: \`, which would start another mapping inside this one`,
      `quote the value: "${value.replace(/"/g, '\\"')}"`,
    );
  }
  const code: DiagnosticCode = 'yaml.syntax';
  const message = /call stack/i.test(error.message)
    ? 'the document is nested too deeply to read; a chain needs only a few levels'
    : `YAML syntax error: ${error.message.split('\n')[0]?.replace(/ at line \d+, column \d+.*$/, '')}`;
  const hint =
    error.code === 'BAD_INDENT' ? 'align the keys of one mapping to the same column, using spaces' : undefined;
  return diagnostic(code, source.file, pos, message, hint);
}

/** The innermost `[ … ]` or `{ … }` that the parser ended at `offset` without its closing bracket. */
function unclosedFlow(doc: Document.Parsed, offset: number): YAMLMap | YAMLSeq | undefined {
  let found: YAMLMap | YAMLSeq | undefined;
  const check = (node: YAMLMap | YAMLSeq) => {
    if (node.flow && node.range?.[1] === offset) found = node;
  };
  visit(doc, { Map: (_key, node) => check(node), Seq: (_key, node) => check(node) });
  return found;
}

/** The quoted scalar that runs up to `offset`, where the parser gave up looking for its end. */
function unclosedQuote(doc: Document.Parsed, offset: number): Scalar | undefined {
  let found: Scalar | undefined;
  visit(doc, {
    Scalar(_key, node) {
      const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
      if (quoted && isScalar(node) && node.range?.[1] === offset) {
        found = node;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

const COMPACT_NESTING = /Nested mappings are not allowed in compact mappings/;
const KEY_HINT = 'align the keys of one mapping to the same column, using spaces';
const ITEM_HINT = 'align the `-` of every item of one list to the same column, using spaces';

/**
 * A key or list item out of line with the one before it, named with both columns, which is
 * what a person compares to fix it. The parser notices the problem in several ways, and not
 * always on the misplaced line: a key indented deeper than the key above it is reported at the
 * value of the key above ("nested mappings are not allowed"), so the message moves to it.
 */
function indentationProblem(
  error: YAMLError,
  lines: readonly string[],
  pos: Position,
): { pos: Position; message: string; hint: string } | undefined {
  const lineText = lines[pos.line - 1] ?? '';
  const item = /^(\s*)-(\s|$)/.exec(lineText);
  if (
    item &&
    (/sequence items must start|block sequence may not be used/i.test(error.message) || error.code === 'BAD_INDENT')
  ) {
    const column = (item[1]?.length ?? 0) + 1;
    const before = previousItem(lines, pos.line, column);
    if (before && before.column !== column)
      return {
        pos: { line: pos.line, column },
        message: `this list item starts at column ${column}, but the item before it, on line ${before.line}, starts at column ${before.column}; the items of one list start at the same column`,
        hint: ITEM_HINT,
      };
  }
  if (error.code === 'BAD_INDENT' || /without - indicator/.test(error.message)) {
    const message = misalignedKey(lines, pos.line);
    if (message) return { pos, message, hint: KEY_HINT };
  }
  if (COMPACT_NESTING.test(error.message) && !/:\s/.test(lineText.slice(pos.column - 1))) {
    const next = nextContentLine(lines, pos.line);
    const key = next === undefined ? undefined : keyOf(lines[next - 1] ?? '');
    const message = next === undefined ? undefined : misalignedKey(lines, next);
    if (next !== undefined && key && message)
      return { pos: { line: next, column: key.column }, message, hint: KEY_HINT };
  }
  return undefined;
}

/**
 * "`timeout_seconds` starts at column 4, but the key before it, `payload`, starts at column 5",
 * for the key that starts line `line` (1-based); undefined when the two are aligned.
 */
function misalignedKey(lines: readonly string[], line: number): string | undefined {
  const key = keyOf(lines[line - 1] ?? '');
  if (!key) return undefined;
  for (let i = line - 2; i >= 0; i--) {
    const before = keyOf(lines[i] ?? '');
    if (!before) continue;
    if (before.column === key.column) return undefined;
    return `\`${key.name}\` starts at column ${key.column}, but the key before it, \`${before.name}\`, starts at column ${before.column}; the keys of one mapping start at the same column`;
  }
  return undefined;
}

/** The nearest list item above `line` that could be a sibling: its `-` at most 2 columns away. */
function previousItem(
  lines: readonly string[],
  line: number,
  column: number,
): { line: number; column: number } | undefined {
  for (let i = line - 2; i >= 0; i--) {
    const m = /^(\s*)-(\s|$)/.exec(lines[i] ?? '');
    const at = (m?.[1]?.length ?? 0) + 1;
    if (m && Math.abs(at - column) <= 2) return { line: i + 1, column: at };
  }
  return undefined;
}

function nextContentLine(lines: readonly string[], line: number): number | undefined {
  for (let i = line; i < lines.length; i++) if (/^\s*[^\s#]/.test(lines[i] ?? '')) return i + 1;
  return undefined;
}

/** The key a block-mapping line starts with, past its indentation and any `- ` list markers. */
function keyOf(line: string): { name: string; column: number } | undefined {
  const m = /^((?:\s*-\s+)*\s*)([^\s#:'"{[\]}-][^:#]*?|"[^"]*"|'[^']*'):(?:\s|$)/.exec(line);
  if (!m?.[2]) return undefined;
  return { name: m[2].trim(), column: (m[1]?.length ?? 0) + 1 };
}

/** From a space to the next token on the same line; a position on a token (or a tab) stays. */
function skipSpaces(pos: Position, lineText: string): Position {
  let i = pos.column - 1;
  if (lineText[i] !== ' ') return pos;
  while (lineText[i] === ' ') i++;
  return i < lineText.length && lineText[i] !== '#' ? { line: pos.line, column: i + 1 } : pos;
}

/** Column (1-based) of an unquoted `${{` at or before `column` on the line, if any. */
function unquotedExpressionColumn(lineText: string, column: number): number | undefined {
  let quote: string | undefined;
  for (let i = 0; i < lineText.length && i < column + 2; i++) {
    const ch = lineText[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '#' && (i === 0 || lineText[i - 1] === ' ')) {
      return undefined;
    } else if (lineText.startsWith('${{', i)) {
      return i + 1;
    }
  }
  return undefined;
}

function position(lineCounter: LineCounter, offset: number): Position {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}
