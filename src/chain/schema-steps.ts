/** The parts of a JSON Schema node that say what a value may be. */
export interface SchemaNode {
  description?: string;
  /** `false` for a key one branch of an `if` refuses (a chain step's `payload`). */
  properties?: Record<string, SchemaNode | boolean>;
  required?: string[];
  if?: SchemaNode;
  then?: SchemaNode;
  else?: SchemaNode;
  minimum?: number;
  maximum?: number;
  type?: string | string[];
  enum?: unknown[];
  pattern?: string;
  /** The branches of a value of several types, `[{ type: 'string' }, { type: 'boolean' }]`. */
  anyOf?: SchemaNode[];
}

/**
 * The two kinds of step (SPEC 3, 3.3): an action step runs a Data Action (`action_id`), a chain
 * step runs another chain file (`uses`). The schema says which keys each kind takes, with
 * `if`/`then`/`else` on `uses`; this module turns its errors into words.
 */
export type StepKind = 'action' | 'chain';

/** The key that makes a step of each kind. */
export const KIND_KEY = { action: 'action_id', chain: 'uses' } as const satisfies Record<StepKind, string>;

/** Whether `path` is a step of the chain, `steps[i]`. */
export function isStep(path: readonly (string | number)[]): boolean {
  return path.length === 2 && path[0] === 'steps' && typeof path[1] === 'number';
}

/** The kinds a step declares by its keys: none, one, or (a mistake) both. */
export function declaredKinds(step: unknown): StepKind[] {
  if (!isRecord(step)) return [];
  return (Object.keys(KIND_KEY) as StepKind[]).filter((kind) => Object.hasOwn(step, KIND_KEY[kind]));
}

/** The kind a step declares, or undefined when it has neither key or both. */
function stepKindOf(step: unknown): StepKind | undefined {
  const kinds = declaredKinds(step);
  return kinds.length === 1 ? kinds[0] : undefined;
}

/**
 * The keys `node` allows in `data`, for "did you mean" and the list of allowed keys. For a schema
 * with `if`/`then`/`else` (a step), only those of the branch that applies: a chain step is not
 * offered `payload`, nor an action step `uses` (which would make it a chain step). A branch whose
 * required keys are all absent (a step with neither `action_id` nor `uses`) leaves the kind
 * open, and every key counts.
 */
export function allowedKeys(node: SchemaNode, data: unknown): string[] {
  const keys = Object.keys(node.properties ?? {});
  if (!node.if || !isRecord(data)) return keys;
  const has = (k: string) => Object.hasOwn(data, k);
  const condition = node.if.required ?? [];
  const matches = condition.every(has);
  const branch = matches ? node.then : node.else;
  const required = branch?.required ?? [];
  if (required.length > 0 && !required.some(has)) return keys;
  const refused = new Set(matches ? [] : condition);
  return keys.filter((k) => branch?.properties?.[k] !== false && !refused.has(k));
}

/** Why a chain step refuses a key of an action step, and what to do instead: [reason, fix]. */
const NOT_ON_A_CHAIN_STEP: ReadonlyMap<string, readonly [string, string]> = new Map([
  [
    'payload',
    [
      'a chain step passes values to the child chain with `with:`',
      'move the values into `with:`, one per input of the child chain',
    ],
  ],
  [
    'timeout_seconds',
    [
      "a chain step's time limit is the child chain's `global_timeout_seconds`, within this chain's own",
      'remove it, and set `global_timeout_seconds` in the child chain if it needs a tighter limit',
    ],
  ],
  [
    'retry',
    [
      "a chain step is not retried as a whole; the child chain's steps retry on their own",
      "remove it, and set `retry` on the child chain's steps or in its `defaults`",
    ],
  ],
  [
    'idempotent',
    [
      "whether a Data Action may run twice is said on the child chain's steps",
      "remove it, and set `idempotent` on the child chain's steps",
    ],
  ],
]);

/** A key the step's kind refuses (`false` in the schema's branch): [message, hint]. */
export function notAllowed(key: string, step: unknown, where: string): [string, string] {
  const record = isRecord(step) ? step : {};
  if (stepKindOf(record) === 'chain') {
    const [reason, fix] = NOT_ON_A_CHAIN_STEP.get(key) ?? [undefined, 'remove it'];
    const message = `\`${key}\` is not allowed on a chain step (\`uses: ${shown(record.uses)}\`)`;
    return [reason ? `${message}; ${reason}` : message, fix];
  }
  if (key === 'with')
    return [
      `\`with\` belongs to a chain step, and \`${where}\` is an action step (\`action_id: ${shown(record.action_id)}\`): pass the values in \`payload:\`, or replace \`action_id:\` with \`uses:\``,
      'to send the values to the Data Action, put them in `payload:`; to run another chain file, write `uses: ./file.yaml` instead of `action_id:`',
    ];
  return [`\`${key}\` is not allowed on an action step (\`action_id: ${shown(record.action_id)}\`)`, 'remove it'];
}

/** A step with both `action_id` and `uses`: [message, hint]. */
export function bothKinds(where: string): [string, string] {
  return [
    `\`${where}\` has both \`action_id\` and \`uses\`: a step is either an action step (\`action_id\`, runs a Data Action) or a chain step (\`uses\`, runs another chain file), never both`,
    'keep `action_id:` (with `payload:`) to call the Data Action, or `uses:` (with `with:`) to run the chain file; to do both, make them two steps',
  ];
}

/** A step with neither `action_id` nor `uses`: [message, hint]; a `with:` says it was meant as a chain step. */
export function neitherKind(where: string, step: unknown): [string, string] {
  const hint =
    isRecord(step) && Object.hasOwn(step, 'with')
      ? 'this step has `with:`, so it reads as a chain step: add `uses:` with the path of the chain file, e.g. `uses: ./lib/crm-sync.yaml`'
      : "add `action_id:` with the Data Action's id, exactly as CXone shows it, or `uses:` with the path of a chain file to run, e.g. `uses: ./lib/crm-sync.yaml`";
  return [`\`${where}\` is missing \`action_id\` (or \`uses:\` for a chain step)`, hint];
}

function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : String(JSON.stringify(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
