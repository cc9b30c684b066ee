import { isStep } from './schema-steps.js';

/**
 * The two kinds of fallback (SPEC 3): an action fallback runs another Data Action (`action_id`,
 * with optional `payload` and `timeout_seconds`), a static output fallback uses `output` as the
 * step's output. The schema tells them apart with `if`/`then`/`else` on `output`; this module
 * turns its errors into words.
 */
export const FALLBACK_KINDS = ['action_id', 'output'] as const;

/** The keys only an action fallback takes. */
const ACTION_ONLY = ['payload', 'timeout_seconds'];

/** Whether `path` is a step's fallback, `steps[i].fallback`. */
export function isFallback(path: readonly (string | number)[]): boolean {
  return path.length === 3 && path[2] === 'fallback' && isStep(path.slice(0, 2));
}

/** A fallback with neither `action_id` nor `output`: [message, hint]. */
export function fallbackNeither(where: string, fallback: unknown): [string, string] {
  const sent = isRecord(fallback) ? ACTION_ONLY.filter((k) => Object.hasOwn(fallback, k)) : [];
  const message = `\`${where}\` needs \`action_id\` (another Data Action to run) or \`output\` (a static output used as the step's output), and has neither`;
  if (sent.length > 0)
    return [
      message,
      `${sent.map((k) => `\`${k}\``).join(' and ')} ${sent.length > 1 ? 'belong' : 'belongs'} to an action fallback: add \`action_id:\` with the fallback Data Action's id`,
    ];
  return [
    message,
    "add `action_id:` with the fallback Data Action's id, or `output:` with the step's output, e.g. `output: { queued: false }`",
  ];
}

/**
 * A key a static output fallback refuses: [message, hint]. `action_id` beside `output` is the
 * kind itself in doubt; `payload` or `timeout_seconds` beside `output` only means something to a
 * Data Action.
 */
export function fallbackRefused(key: string, where: string): [string, string] {
  if (key === 'action_id')
    return [
      `\`${where}\` has both \`action_id\` and \`output\`: a fallback either runs another Data Action (\`action_id\`, with optional \`payload\` and \`timeout_seconds\`) or uses a static \`output\`, never both`,
      'keep `action_id:` to run the Data Action, or `output:` to use a static output without sending anything',
    ];
  return [
    `\`${key}\` is not allowed in a static output fallback (\`output:\`): only an action fallback (\`action_id\`) sends a request`,
    `remove \`${key}\`, or replace \`output:\` with \`action_id:\` to run another Data Action`,
  ];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
