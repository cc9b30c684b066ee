import { stepIdOf } from '../chain/index.js';
import type { ChangeCategory, FieldChange, StepChange } from './types.js';
import { diffValues, isPlainObject, type PlainObject } from './values.js';

export interface ChainDiff {
  chain_changes: FieldChange[];
  step_changes: StepChange[];
}

/** Line of the working tree's step `index`, for a plan that points into the file. */
export type StepLine = (index: number) => number | undefined;

/** Keys compared elsewhere: identity (`chain_id`), the revision check, and the steps one by one. */
const NOT_CHAIN_FIELDS = new Set(['chain_id', 'revision', 'steps']);

const STEP_CATEGORY: Readonly<Record<string, ChangeCategory>> = {
  action_id: 'action',
  payload: 'payload',
  on_failure: 'directive',
  fallback: 'directive',
  timeout_seconds: 'timeout',
  retry: 'retry',
  idempotent: 'retry',
};

function chainCategory(path: string): ChangeCategory {
  const [top, sub] = path.split(/[.[]/);
  if (top === 'global_timeout_seconds') return 'timeout';
  if (top === 'inputs') return 'inputs';
  if (top === 'outputs') return 'outputs';
  if (top === 'defaults' && sub) return STEP_CATEGORY[sub] ?? 'other';
  return 'other';
}

function stepCategory(path: string): ChangeCategory {
  return STEP_CATEGORY[path.split(/[.[]/)[0] ?? ''] ?? 'other';
}

interface IdentifiedStep {
  id: string;
  actionId: string | null;
  index: number;
  step: PlainObject;
}

/** Steps by the id they run under (`stepIdOf`); a repeated id gets `#n`. */
function identify(steps: unknown): IdentifiedStep[] {
  if (!Array.isArray(steps)) return [];
  const seen = new Map<string, number>();
  return steps.map((raw, index) => {
    const step = isPlainObject(raw) ? raw : {};
    const actionId = typeof step.action_id === 'string' ? step.action_id : null;
    const base = stepIdOf(step) ?? `#${index + 1}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { id: n === 1 ? base : `${base}#${n}`, actionId, index, step };
  });
}

/** Ids of the longest common subsequence: the steps that kept their relative order. */
function keptInOrder(before: readonly string[], after: readonly string[]): Set<string> {
  const table = Array.from({ length: before.length + 1 }, () => new Array<number>(after.length + 1).fill(0));
  for (let i = before.length - 1; i >= 0; i--) {
    for (let j = after.length - 1; j >= 0; j--) {
      const row = table[i] as number[];
      row[j] =
        before[i] === after[j] ? (table[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(table[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const kept = new Set<string>();
  for (let i = 0, j = 0; i < before.length && j < after.length;) {
    if (before[i] === after[j]) {
      kept.add(before[i] as string);
      i++;
      j++;
    } else if ((table[i + 1]?.[j] ?? 0) >= (table[i]?.[j + 1] ?? 0)) i++;
    else j++;
  }
  return kept;
}

/**
 * What changed between two versions of a chain document: chain-level fields, then steps added,
 * removed, moved (their order relative to the other kept steps changed) and changed field by field.
 */
export function diffChainDocuments(
  before: PlainObject,
  after: PlainObject,
  lineOf: StepLine = () => undefined,
): ChainDiff {
  const chainFields = (doc: PlainObject) =>
    Object.fromEntries(Object.entries(doc).filter(([key]) => !NOT_CHAIN_FIELDS.has(key)));
  const chain_changes = diffValues(chainFields(before), chainFields(after)).map((c) => ({
    ...c,
    category: chainCategory(c.path),
  }));

  const old = identify(before.steps);
  const now = identify(after.steps);
  const oldById = new Map(old.map((s) => [s.id, s]));
  const nowIds = new Set(now.map((s) => s.id));
  const common = (list: IdentifiedStep[], other: { has(id: string): boolean }) =>
    list.filter((s) => other.has(s.id)).map((s) => s.id);
  const kept = keptInOrder(common(old, nowIds), common(now, oldById));
  const at = (index: number) => {
    const line = lineOf(index);
    return line === undefined ? {} : { line };
  };

  const step_changes: StepChange[] = [];
  for (const s of old)
    if (!nowIds.has(s.id)) step_changes.push({ kind: 'removed', step_id: s.id, action_id: s.actionId, index: s.index });
  for (const s of now) {
    const previous = oldById.get(s.id);
    if (!previous) {
      step_changes.push({ kind: 'added', step_id: s.id, action_id: s.actionId, index: s.index, ...at(s.index) });
      continue;
    }
    if (!kept.has(s.id))
      step_changes.push({
        kind: 'moved',
        step_id: s.id,
        from_index: previous.index,
        to_index: s.index,
        ...at(s.index),
      });
    const changes = diffValues(previous.step, s.step).map((c) => ({ ...c, category: stepCategory(c.path) }));
    if (changes.length > 0)
      step_changes.push({ kind: 'changed', step_id: s.id, index: s.index, ...at(s.index), changes });
  }
  return { chain_changes, step_changes };
}
