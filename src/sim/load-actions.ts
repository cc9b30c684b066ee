import { readFile } from 'node:fs/promises';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { SimActions } from './types.js';
import { isRecord, validateSimActions, type SpecProblem } from './validate-actions.js';

/**
 * Reads `actions: { id: spec, … }` (or a bare mapping of id → spec) from a YAML file. Throws one
 * Error listing every problem as `file:line:col: message`.
 */
export async function loadSimActions(file: string): Promise<SimActions> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new Error(`Cannot read simulator actions file ${file}: ${reason}`, { cause: error });
  }
  return parseSimActions(text, file);
}

/** The parsing and validation half of `loadSimActions`, for text already in memory. */
export function parseSimActions(text: string, file: string): SimActions {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const where = (offset: number | undefined): string => {
    if (offset === undefined) return file;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const report = (problems: Array<{ offset: number | undefined; message: string }>): never => {
    const sorted = [...problems].sort((a, b) => (a.offset ?? -1) - (b.offset ?? -1));
    return fail(
      file,
      sorted.map((p) => `${where(p.offset)}: ${p.message}`),
    );
  };
  if (doc.errors.length > 0)
    report(doc.errors.map((e) => ({ offset: e.pos[0], message: `invalid YAML: ${e.message.split('\n')[0]}` })));
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) {
    report([
      {
        offset: undefined,
        message: 'the file defines no actions; expected "actions:" with a mapping of action id to spec',
      },
    ]);
  }
  const wrapped = isRecord(root) && 'actions' in root;
  const prefix = wrapped ? ['actions'] : [];
  const actions = wrapped ? root.actions : root;
  const problems: Array<{ offset: number | undefined; message: string }> = [];
  for (const key of wrapped ? Object.keys(root) : []) {
    if (key !== 'actions')
      problems.push({
        offset: offsetOf(doc, [key], true),
        message: `unknown top-level key "${key}"; the file holds only "actions:"`,
      });
  }
  for (const problem of validateSimActions(actions)) {
    problems.push({ offset: offsetOf(doc, [...prefix, ...problem.path], problem.atKey), message: problem.message });
  }
  if (problems.length > 0) report(problems);
  return actions as SimActions;
}

function fail(file: string, problems: string[]): never {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  throw new Error(`Invalid simulator actions file ${file} (${count}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
}

/** Where a problem is: the key itself for an unknown key, else the value's node. */
function offsetOf(doc: Document, path: SpecProblem['path'], atKey: boolean): number | undefined {
  const node = atKey ? keyNode(doc, path) : doc.getIn(path, true);
  return (node as { range?: [number, number, number] } | undefined)?.range?.[0];
}

function keyNode(doc: Document, path: SpecProblem['path']): unknown {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  if (!isMap(parent)) return undefined;
  const last = path[path.length - 1];
  const pair = parent.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === last);
  return pair?.key;
}
