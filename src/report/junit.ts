import { callOfRef, type ChainResult, type StepResult } from '../engine/index.js';

/**
 * JUnit XML (`--report junit=FILE`): a testsuite per chain, a testcase per step, so CI systems show
 * chain runs as test results. A failed step, or one cancelled in flight, is a failure; a step that
 * never ran (its `if:` was false, or after an abort, a global timeout or Ctrl-C) is skipped. A
 * child's steps are test cases of its parent's suite, after the chain step that ran them, named by
 * the chain steps above them (`crm › 1. update (da-update-external-crm)`) and placed in the child's
 * file (SPEC 3.3).
 */
export function formatJunit(results: readonly ChainResult[]): string {
  const suites = results.map(junitSuite);
  const totals = suites.reduce(addTotals, emptyTotals());
  return `${junitHeader(totals)}${suites.map((s) => s.xml).join('')}${JUNIT_FOOTER}`;
}

/** What the root element counts, summed over the suites (and seconds of all chains). */
export interface JunitTotals {
  tests: number;
  failures: number;
  skipped: number;
  timeMs: number;
}

export const emptyTotals = (): JunitTotals => ({ tests: 0, failures: 0, skipped: 0, timeMs: 0 });

export function addTotals(t: JunitTotals, s: JunitSuite): JunitTotals {
  return {
    tests: t.tests + s.tests,
    failures: t.failures + s.failures,
    skipped: t.skipped + s.skipped,
    timeMs: t.timeMs + s.timeMs,
  };
}

/** The document up to the first suite; the root carries the totals, so a streamed report writes it last. */
export function junitHeader(t: JunitTotals): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="cxchain" tests="${t.tests}" failures="${t.failures}" errors="0" skipped="${t.skipped}" time="${(t.timeMs / 1000).toFixed(3)}">\n`;
}

export const JUNIT_FOOTER = '</testsuites>\n';

export interface JunitSuite {
  xml: string;
  tests: number;
  failures: number;
  skipped: number;
  timeMs: number;
}

type Outcome = 'passed' | 'failure' | 'skipped';

function outcomeOf(s: StepResult): Outcome {
  if (s.status === 'skipped' || (s.status === 'cancelled' && s.started_at === null)) return 'skipped';
  if (s.status === 'failed' || s.status === 'cancelled') return 'failure';
  return 'passed';
}

/** One test case: a step of the chain or of a child under it, with the chain that holds it. */
interface CaseRow {
  step: StepResult;
  /** The chain the step is in: the suite's, or a child's. */
  chain: ChainResult;
  /** The ids of the chain steps it runs under, outermost first; empty in the suite's own chain. */
  path: readonly string[];
}

/** Every step of a chain, each followed by its child's steps, depth first. */
function casesOf(chain: ChainResult, path: readonly string[] = []): CaseRow[] {
  return chain.aggregated_responses.flatMap((step) => [
    { step, chain, path },
    ...(step.child ? casesOf(step.child, [...path, step.step_id]) : []),
  ]);
}

/** One chain as a `<testsuite>`, its children's steps included. */
export function junitSuite(r: ChainResult): JunitSuite {
  const rows = casesOf(r);
  const outcomes = rows.map((row) => outcomeOf(row.step));
  const failures = outcomes.filter((o) => o === 'failure').length;
  const skipped = outcomes.filter((o) => o === 'skipped').length;
  const cases = rows.map((row, i) => testcase(r, row, outcomes[i] ?? 'passed')).join('');
  const started = r.aggregated_responses.find((s) => s.started_at)?.started_at;
  const attrs = `name="${xmlAttr(r.chain_id)}" file="${xmlAttr(r.file)}" tests="${outcomes.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${(r.total_latency_ms / 1000).toFixed(3)}"${started ? ` timestamp="${xmlAttr(started)}"` : ''}`;
  const props = [
    ['run_id', r.run_id],
    ['revision', r.revision === null ? '' : String(r.revision)],
    ['final_status', r.final_status],
    ['termination_reason', r.termination_reason ?? ''],
  ]
    .map(([name, value]) => `      <property name="${name}" value="${xmlAttr(value ?? '')}"/>\n`)
    .join('');
  return {
    xml: `  <testsuite ${attrs}>\n    <properties>\n${props}    </properties>\n${cases}  </testsuite>\n`,
    tests: outcomes.length,
    failures,
    skipped,
    timeMs: r.total_latency_ms,
  };
}

/** `2. broken (da-broken)`; a child's step is named by the chain steps above it: `crm › 1. update (da-update-external-crm)`. */
function caseName({ step, path }: CaseRow): string {
  return [...path, `${step.step_index + 1}. ${step.step_id} (${callOfRef(step)})`].join(' › ');
}

/** Why a step never ran: `condition: <its if:>` (SPEC 3.5), else `skipped: <skip_reason>`. */
function skipMessage({ step, chain }: CaseRow): string {
  if (step.skip_reason === 'condition') return `condition: ${step.condition ?? ''}`;
  // A result without skip_reason (written before it existed): its chain's reason stands in.
  const why = step.skip_reason ?? (step.status === 'cancelled' ? 'cancelled' : (chain.termination_reason ?? 'not run'));
  return `skipped: ${why}`;
}

function testcase(suite: ChainResult, row: CaseRow, outcome: Outcome): string {
  const s = row.step;
  const head = `    <testcase classname="${xmlAttr(suite.chain_id)}" name="${xmlAttr(caseName(row))}" file="${xmlAttr(row.chain.file)}" time="${(s.latency_ms / 1000).toFixed(3)}"`;
  if (outcome === 'skipped')
    return `${head}>\n      <skipped message="${xmlAttr(skipMessage(row))}"/>\n    </testcase>\n`;
  if (outcome === 'failure') {
    const e = s.error;
    const message = e?.message ?? s.status;
    const body = [
      `kind: ${e?.kind ?? s.status}`,
      `status: ${s.status}`,
      e?.http_status != null ? `http_status: ${e.http_status}` : '',
      `message: ${message}`,
      e?.hint ? `hint: ${e.hint}` : '',
      e?.context_id ? `context_id: ${e.context_id}` : '',
      s.fallback?.status === 'failed'
        ? `fallback ${s.fallback.action_id ?? 'output'} failed: ${s.fallback.error?.message ?? ''}`
        : '',
      `attempts: ${s.attempts}`,
    ].filter(Boolean);
    return `${head}>\n      <failure message="${xmlAttr(message)}" type="${xmlAttr(e?.kind ?? s.status)}">${xmlText(body.join('\n'))}</failure>\n    </testcase>\n`;
  }
  // A chain step's attempts are its child's requests (SPEC 3.3), not retries of its own.
  const retried = s.attempts > 1 && s.uses === undefined;
  const note =
    s.status === 'fallback'
      ? `fallback used after: ${s.error?.message ?? ''}`
      : retried
        ? `passed after ${s.attempts} attempts`
        : '';
  return note ? `${head}>\n      <system-out>${xmlText(note)}</system-out>\n    </testcase>\n` : `${head}/>\n`;
}

/** Control characters, lone surrogates and U+FFFE/U+FFFF, which XML 1.0 does not allow. */
/* eslint-disable no-control-regex -- matching control characters is the point */
const XML_FORBIDDEN =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/* eslint-enable no-control-regex */

/** Text safe inside an XML 1.0 element. */
export function xmlText(value: string): string {
  return (
    value
      // Characters XML 1.0 forbids outright become U+FFFD: a readable file beats an exact one. Not
      // dropped: the text is already redacted, and a server that cut a secret into pieces with NULs
      // would have it joined again, whole, in the report (SPEC 6: redact before reshaping).
      .replace(XML_FORBIDDEN, '\uFFFD')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
  );
}

/** Text safe inside a double-quoted XML attribute; line breaks and tabs as references, which parsers would otherwise fold into spaces. */
export function xmlAttr(value: string): string {
  return xmlText(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
