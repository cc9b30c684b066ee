import { stringify } from 'yaml';

/** How much of an answer a terminal shows: enough to write `steps.x.output.field`, not a dump. */
export const ANSWER_LIMITS = { chars: 2000, lines: 40 } as const;

/** Deeper than this, YAML's block style is unreadable anyway: one line of JSON instead. */
const MAX_YAML_DEPTH = 32;

/**
 * A step's answer or a chain's outputs as compact YAML lines, cut at `ANSWER_LIMITS` with a note
 * that says so and where the whole answer is. The value arrives redacted and neutralised (issue
 * 16: redact before cutting); it is server data, so its depth is measured without recursion
 * before the YAML writer, which recurses, is given it.
 */
export function answerLines(value: unknown, limits: { chars: number; lines: number } = ANSWER_LIMITS): string[] {
  const text =
    depthOf(value, MAX_YAML_DEPTH) > MAX_YAML_DEPTH
      ? (JSON.stringify(value) ?? 'null')
      : stringify(value, { lineWidth: 0, flowCollectionPadding: false }).trimEnd();
  const all = text.split('\n');
  let shown = all.slice(0, limits.lines);
  let cut = shown.length < all.length;
  let size = 0;
  const kept: string[] = [];
  for (const line of shown) {
    if (size + line.length > limits.chars) {
      kept.push(line.slice(0, Math.max(0, limits.chars - size)));
      cut = true;
      break;
    }
    kept.push(line);
    size += line.length + 1;
  }
  shown = kept;
  if (cut)
    shown.push(
      `… cut at ${limits.lines} lines or ${limits.chars} characters of ${text.length}; --report json=FILE has it whole`,
    );
  return shown;
}

/** The nesting depth of a value, counted without recursion and no further than `stopAt + 1`. */
function depthOf(value: unknown, stopAt: number): number {
  let deepest = 0;
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: next, depth } = stack.pop() as { value: unknown; depth: number };
    if (next === null || typeof next !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > stopAt) return deepest;
    for (const child of Object.values(next)) stack.push({ value: child, depth: depth + 1 });
  }
  return deepest;
}
