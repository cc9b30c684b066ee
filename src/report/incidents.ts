import type { ChainResult, StepResult } from '../engine/index.js';
import { plural } from './markdown.js';

/**
 * The steps a person must look at after a run, and their words: one source for the GitHub
 * annotations, the job summary and the terminal's recap (issue 16), so all three say the same.
 */
/** A step worth an annotation or a line in the summary's failure list. */
export interface Incident {
  /** The chain the step is in: one that was run, or a child under it, whose file the step is written in. */
  chain: ChainResult;
  step: StepResult;
  level: 'error' | 'warning';
  /** The chain that was run, then the chain steps down to the step: `onboarding › crm › update`. */
  name: string;
}

/** The incidents of every chain, each chain step's followed by its child's (SPEC 3.3). */
export function incidentsOf(results: readonly ChainResult[]): Incident[] {
  const walk = (chain: ChainResult, above: string): Incident[] =>
    chain.aggregated_responses.flatMap((step): Incident[] => {
      const name = `${above} › ${step.step_id}`;
      const below = step.child ? walk(step.child, name) : [];
      if (step.status === 'failed' && step.error) return [{ chain, step, level: 'error', name }, ...below];
      // The step failed but its fallback answered: the run went on, yet someone should look.
      if (step.status === 'fallback') return [{ chain, step, level: 'warning', name }, ...below];
      return below;
    });
  return results.flatMap((chain) => walk(chain, chain.chain_id));
}

/** The error and hint of a step, one fact per line. */
export function incidentLines(step: StepResult): string[] {
  const e = step.error;
  if (!e) return [];
  const lines = [
    step.status === 'fallback'
      ? `fallback ${step.fallback?.action_id ?? 'output'} used after: ${e.message}`
      : e.message,
  ];
  if (e.hint) lines.push(`hint: ${e.hint}`);
  if (e.context_id) lines.push(`context id: ${e.context_id}`);
  if (step.fallback?.status === 'failed' && step.fallback.error)
    lines.push(`the fallback failed too: ${step.fallback.error.message}`);
  return lines;
}

/** `kind \`http\`, HTTP 404, 1 attempt`, with the kind marked up as the output wants it. */
export function incidentFacts(step: StepResult, code: (text: string) => string = (t) => t): string {
  const e = step.error;
  return [
    e ? `kind ${code(e.kind)}` : '',
    e?.http_status ? `HTTP ${e.http_status}` : '',
    // A chain step's attempts are its child's requests (SPEC 3.3), not tries of its own.
    plural(step.attempts, step.uses === undefined ? 'attempt' : 'request'),
  ]
    .filter(Boolean)
    .join(', ');
}
