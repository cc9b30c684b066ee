import { positionOf, type ChainSource } from '../chain/index.js';
import type { PlanEntry, RevisionProblem } from './types.js';
import type { PlainObject } from './values.js';

export function revisionOf(data: PlainObject | undefined): number | null {
  return typeof data?.revision === 'number' ? data.revision : null;
}

/**
 * The revision check of a changed chain: its `revision` must now be greater than at the base (a
 * missing revision counts as 0), the way chart-testing fails a chart changed without a version
 * bump. Deploys and audits name chains by id and revision, so an unchanged number would make two
 * different chains look the same.
 */
export function revisionProblem(entry: PlanEntry, source: ChainSource | undefined): RevisionProblem | undefined {
  const { before, after } = entry.revision;
  if (after !== null && after > (before ?? 0)) return undefined;
  const id = entry.chain_id ?? entry.file;
  const next = (before ?? 0) + 1;
  const message =
    after === null && before === null
      ? `\`${id}\` changed and has no \`revision\``
      : after === null
        ? `\`${id}\` changed and its \`revision\` was removed (it was ${before})`
        : after === before
          ? `\`${id}\` changed but its \`revision\` is still ${after}`
          : `\`${id}\` changed and its \`revision\` went down from ${before} to ${after}`;
  const pos = source ? positionOf(source, after === null ? ['chain_id'] : ['revision']) : { line: 1, column: 1 };
  return {
    code: 'plan.revision_not_raised',
    chain_id: id,
    file: entry.file,
    line: pos.line,
    column: pos.column,
    message,
    hint:
      after === null ? `add \`revision: ${next}\` (and raise it with every change)` : `raise it: \`revision: ${next}\``,
    before,
    after,
  };
}
