import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { isAlias, isMap, isNode, isPair, isScalar, LineCounter, parseAllDocuments, visit } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { diagnostic, type Diagnostic, type DiagnosticCode, type Position } from './diagnostics.js';
import { checkLiterals } from './literals.js';
import { hasFatalYamlError, yamlSyntaxDiagnostics } from './yaml-errors.js';

/** Chain files larger than this are refused before parsing (SPEC 3.1). */
export const MAX_FILE_BYTES = 1024 * 1024;
/** More aliases than this in one file is treated as an alias bomb (SPEC 3.1). */
export const MAX_ALIASES = 100;

export type DocPath = readonly (string | number)[];

/** A parsed chain file that can still answer "where is this node?" for diagnostics. */
export interface ChainSource {
  file: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

export interface ParsedFile {
  source?: ChainSource;
  /** The document as plain data; only when the YAML layer found nothing that makes it unreliable. */
  data?: unknown;
  diagnostics: Diagnostic[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads and parses one chain file: the YAML layer of SPEC 3.1. Never throws. Synchronous on
 * purpose: chain files are small, and a thousand async reads spend longer queueing on the
 * thread pool than reading. `file` names it in diagnostics and the model (default: `path`).
 */
export function readChainFile(source: string | number, file: string = String(source)): ParsedFile {
  let bytes: Buffer;
  try {
    // A descriptor is the caller's, already checked to be a regular file (`readChainPath`).
    const fd = typeof source === 'number' ? source : openSync(source, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size > MAX_FILE_BYTES) {
        return fail(
          'file.too_large',
          file,
          `file is ${formatBytes(size)} (${size} bytes); chain files may be at most 1 MiB (${MAX_FILE_BYTES} bytes)`,
          'split the chain into smaller chains',
          { line: 1, column: 1 },
        );
      }
      bytes = readFileSync(fd);
    } finally {
      if (typeof source !== 'number') closeSync(fd);
    }
  } catch (error) {
    return fail(
      'file.read_error',
      file,
      `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const before = new TextDecoder().decode(bytes.subarray(0, offset));
    const lines = before.split('\n');
    return {
      diagnostics: [
        diagnostic(
          'file.not_utf8',
          file,
          { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 },
          `the file is not valid UTF-8 (byte 0x${bytes[offset]?.toString(16).padStart(2, '0')} at offset ${offset})`,
          'save the file as UTF-8',
        ),
      ],
    };
  }
  return parseChainText(file, text);
}

/** Parses chain YAML text; exported for callers that already hold the text (plan, watch). */
export function parseChainText(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [];
  const first = list[0];
  if (!first) {
    return fail(
      'yaml.not_mapping',
      file,
      'the file is empty',
      'a chain needs at least `version`, `chain_id` and `steps`',
      { line: 1, column: 1 },
    );
  }
  const source: ChainSource = { file, text, doc: first, lineCounter };
  const at = (offset: number): Position => toPosition(lineCounter, offset);
  const diagnostics: Diagnostic[] = [];

  const second = list[1];
  if (second) {
    diagnostics.push(
      diagnostic(
        'yaml.multiple_documents',
        file,
        at(second.range[0]),
        `the file holds ${list.length} YAML documents; a chain file holds exactly one`,
        'move each chain into a file of its own',
      ),
    );
  }
  diagnostics.push(...yamlSyntaxDiagnostics(source));
  // A syntax error leaves a tree the parser guessed at: the schema and semantic layers would only
  // report the guess. Duplicate keys leave the tree intact, so the later layers still run.
  const unreliable = second !== undefined || hasFatalYamlError(first);

  // Walking the tree costs; a file without `*` has no alias to count.
  const aliasOverflow = text.includes('*') ? findAliasOverflow(first) : undefined;
  if (aliasOverflow !== undefined) {
    diagnostics.push(
      diagnostic(
        'yaml.alias_limit',
        file,
        at(aliasOverflow),
        `more than ${MAX_ALIASES} YAML aliases (*name); this looks like an alias bomb`,
        'write the values out instead of repeating aliases',
      ),
    );
    return { source, diagnostics };
  }
  if (unreliable) return { source, diagnostics };
  // Only a `!` can start a tag; most files have none and skip the walk.
  if (text.includes('!')) {
    const tags = unsupportedTags(first);
    for (const { tag, offset } of tags) {
      // The node's range starts after its tag; point at the tag itself when it is on the same line.
      let bang = text.lastIndexOf('!', offset);
      while (bang > 0 && text[bang - 1] === '!') bang -= 1;
      const tagAt = bang >= 0 && !text.slice(bang, offset).includes('\n') ? bang : offset;
      diagnostics.push(
        diagnostic(
          'yaml.tag',
          file,
          at(tagAt),
          `the YAML tag \`${tag.replace('tag:yaml.org,2002:', '!!')}\` is not supported; a chain holds plain data: text, numbers, booleans, null, mappings and lists`,
          'remove the tag, or quote the value if the `!` is part of the text',
        ),
      );
    }
    if (tags.length) return { source, diagnostics };
  }
  if (!isMap(first.contents)) {
    const kind = first.contents === null ? 'empty' : isScalar(first.contents) ? 'a single value' : 'a list';
    const pos = first.contents ? at(first.contents.range[0]) : { line: 1, column: 1 };
    diagnostics.push(
      diagnostic(
        'yaml.not_mapping',
        file,
        pos,
        `the document is ${kind}; a chain is a mapping of keys such as \`version\`, \`chain_id\` and \`steps\``,
      ),
    );
    return { source, diagnostics };
  }
  const literals = checkLiterals(source);
  diagnostics.push(...literals);
  // Nothing was merged, so the keys a `<<` was meant to bring in are missing: the later layers
  // would report each of them as if it were a mistake of its own.
  if (literals.some((d) => d.code === 'yaml.merge_key')) return { source, diagnostics };
  try {
    return { source, data: first.toJS({ maxAliasCount: MAX_ALIASES }), diagnostics };
  } catch (error) {
    diagnostics.push(
      diagnostic(
        'yaml.alias_limit',
        file,
        { line: 1, column: 1 },
        `the YAML could not be expanded: ${(error as Error).message}`,
      ),
    );
    return { source, diagnostics };
  }
}

const PLAIN_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

/** Explicit tags other than the core ones: `!!set`, `!!binary` or `!custom` would change or drop a payload silently. */
function unsupportedTags(doc: Document.Parsed): { tag: string; offset: number }[] {
  const found: { tag: string; offset: number }[] = [];
  visit(doc, {
    Node(_key, node) {
      if (node.tag && !PLAIN_TAGS.has(node.tag)) found.push({ tag: node.tag, offset: node.range?.[0] ?? 0 });
    },
  });
  return found;
}

function findAliasOverflow(doc: Document.Parsed): number | undefined {
  let count = 0;
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      count += 1;
      if (count > MAX_ALIASES) {
        offset = node.range?.[0] ?? 0;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return offset;
}

function toPosition(lineCounter: LineCounter, offset: number): Position {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/**
 * Where a path of the document points: the value's node, or for `key: true` the key itself
 * (unknown keys are reported at the key). Falls back to the nearest existing ancestor.
 */
export function positionOf(source: ChainSource, path: DocPath, key = false): Position {
  let node: unknown = source.doc.contents;
  let best: YamlNode | undefined = isNode(node) ? node : undefined;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      if (key && i === path.length - 1 && isNode(pair.key)) {
        best = pair.key;
        break;
      }
      node = pair.value;
    } else if (
      node &&
      typeof node === 'object' &&
      'items' in node &&
      Array.isArray(node.items) &&
      typeof segment === 'number'
    ) {
      node = node.items[segment];
    } else {
      break;
    }
    if (isAlias(node)) break;
    if (isNode(node)) best = node;
    else break;
  }
  const offset = best?.range?.[0] ?? 0;
  return toPosition(source.lineCounter, offset);
}

/**
 * Like `positionOf`, but at `needle` inside the node's source text when it is there (an
 * expression in a string); with `key`, inside the key at `path` rather than its value. With
 * `occurrence` n, at the n-th (0-based) time `needle` is written there, so the same expression
 * twice in one value is said at each place.
 */
export function positionOfText(
  source: ChainSource,
  path: DocPath,
  needle: string,
  key = false,
  occurrence = 0,
): Position {
  const node = key ? keyNodeAt(source, path) : source.doc.getIn(path, true);
  const range = isNode(node) ? node.range : undefined;
  if (range && needle) {
    let at = source.text.indexOf(needle, range[0]);
    for (let n = 0; n < occurrence && at !== -1 && at < range[1]; n++)
      at = source.text.indexOf(needle, at + needle.length);
    if (at === -1 || at >= range[1]) at = source.text.indexOf(needle, range[0]);
    if (at !== -1 && at < range[1]) return toPosition(source.lineCounter, at);
  }
  return positionOf(source, path, key);
}

/**
 * The position `offset` characters into the string value at `path`, past its opening quote. Exact
 * for plain and quoted one-line scalars; a folded or escaped one falls back to the value's start.
 */
export function positionInValue(source: ChainSource, path: DocPath, offset: number): Position {
  return exactPositionInValue(source, path, offset) ?? positionOf(source, path);
}

/** `positionInValue`, or undefined when the value is not written as its characters (escapes, folding). */
export function exactPositionInValue(source: ChainSource, path: DocPath, offset: number): Position | undefined {
  const node = source.doc.getIn(path, true);
  if (!isScalar(node) || !node.range || typeof node.value !== 'string') return undefined;
  const start = node.range[0] + (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0);
  const written = source.text.slice(start, start + node.value.length);
  return written === node.value && offset <= node.value.length
    ? toPosition(source.lineCounter, start + offset)
    : undefined;
}

function keyNodeAt(source: ChainSource, path: DocPath): unknown {
  const parent = source.doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const last = String(path.at(-1));
  return parent.items.find((p) => isScalar(p.key) && String(p.key.value) === last)?.key;
}

/** Offset of the first byte that breaks UTF-8; decode errors carry no offset. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i] ?? 0;
    const length =
      b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0) return i;
    for (let k = 1; k < length; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += length;
  }
  return 0;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

function fail(code: DiagnosticCode, file: string, message: string, hint?: string, pos?: Position): ParsedFile {
  return { diagnostics: [diagnostic(code, file, pos, message, hint)] };
}
