import { failureOrigin, NOT_RUN_BECAUSE, type ChainResult, type StepResult } from '../engine/index.js';
import { locateNothing, type StepLocator } from './step-locator.js';

/**
 * JUnit XML (`--report junit=FILE`): a testsuite per chain, a testcase per step, so CI systems show
 * chain runs as test results. A step that failed on its own terms is a `<failure>`, one that got no
 * answer it could judge (connection, credentials, deadline, Ctrl-C in flight) an `<error>`
 * (`FAILURE_ORIGIN`); a step that never ran (its `if:` was false, or after an abort, a global
 * timeout or Ctrl-C) is skipped. A child's steps are test cases of its parent's suite, after the
 * chain step that ran them, named by the chain steps above them (`crm › update`) and placed in the
 * child's file (SPEC 3.3).
 *
 * What the common consumers need (issue 15): names are step ids, never indexes, so a CI's test
 * history survives a step inserted above; `file` and `line` point at the step in its chain file;
 * property names are unique in the whole document; the root carries only the attributes the
 * Jenkins schema allows.
 */
export function formatJunit(results: readonly ChainResult[], locate: StepLocator = locateNothing): string {
  const keyOf = createSuiteKeys();
  const suites = results.map((r) => junitSuite(r, { locate, key: keyOf(r.chain_id) }));
  const totals = suites.reduce(addTotals, emptyTotals());
  return `${junitHeader(totals)}${suites.map((s) => s.xml).join('')}${JUNIT_FOOTER}`;
}

/** What the root element counts, summed over the suites (and seconds of all chains). */
export interface JunitTotals {
  tests: number;
  failures: number;
  errors: number;
  timeMs: number;
}

export const emptyTotals = (): JunitTotals => ({ tests: 0, failures: 0, errors: 0, timeMs: 0 });

export function addTotals(t: JunitTotals, s: JunitSuite): JunitTotals {
  return {
    tests: t.tests + s.tests,
    failures: t.failures + s.failures,
    errors: t.errors + s.errors,
    timeMs: t.timeMs + s.timeMs,
  };
}

/**
 * The document up to the first suite; the root carries the totals, so a streamed report writes it
 * last. No `skipped` here: Jenkins' junit-10.xsd allows it on `<testsuite>` only.
 */
export function junitHeader(t: JunitTotals): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="cxchain" tests="${t.tests}" failures="${t.failures}" errors="${t.errors}" time="${seconds(t.timeMs)}">\n`;
}

export const JUNIT_FOOTER = '</testsuites>\n';

export interface JunitSuite {
  xml: string;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  timeMs: number;
}

/**
 * Gives each suite of one document the key its property names start with: its chain id, which the
 * loader keeps unique in a run (SPEC 3.1), and `id#2`, `id#3` for a repeat among results a library
 * caller put together. Consumers such as xunitparser gather the properties of all suites into one
 * map and refuse a name seen twice.
 */
export function createSuiteKeys(): (chainId: string) => string {
  const seen = new Map<string, number>();
  return (chainId) => {
    const n = (seen.get(chainId) ?? 0) + 1;
    seen.set(chainId, n);
    return n === 1 ? chainId : `${chainId}#${n}`;
  };
}

type Outcome = 'passed' | 'failure' | 'error' | 'skipped';

function outcomeOf(s: StepResult): Outcome {
  if (s.status === 'skipped' || (s.status === 'cancelled' && s.started_at === null)) return 'skipped';
  if (s.status === 'cancelled') return 'error';
  if (s.status === 'failed') return s.error && failureOrigin(s.error.kind) === 'infrastructure' ? 'error' : 'failure';
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

export interface JunitSuiteOptions {
  /** Places each step at its line; default: no `line` attributes. */
  locate?: StepLocator;
  /** What the suite's property names start with, unique in the document (`createSuiteKeys`). Default the chain id. */
  key?: string;
}

/** One chain as a `<testsuite>`, its children's steps included. */
export function junitSuite(r: ChainResult, options: JunitSuiteOptions = {}): JunitSuite {
  const locate = options.locate ?? locateNothing;
  const key = options.key ?? r.chain_id;
  const rows = casesOf(r);
  const outcomes = rows.map((row) => outcomeOf(row.step));
  const count = (o: Outcome) => outcomes.filter((x) => x === o).length;
  const [failures, errors, skipped] = [count('failure'), count('error'), count('skipped')];
  const cases = rows.map((row, i) => testcase(r, row, outcomes[i] ?? 'passed', locate)).join('');
  const started = r.aggregated_responses.find((s) => s.started_at)?.started_at;
  const attrs = `name="${xmlAttr(r.chain_id)}" file="${xmlAttr(r.file)}" tests="${outcomes.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(r.total_latency_ms)}"${started ? ` timestamp="${xmlAttr(started)}"` : ''}`;
  const props = [
    ['run_id', r.run_id],
    ['revision', r.revision === null ? '' : String(r.revision)],
    ['final_status', r.final_status],
    ['termination_reason', r.termination_reason ?? ''],
  ]
    .map(([name, value]) => `      <property name="${xmlAttr(`${key}.${name}`)}" value="${xmlAttr(value ?? '')}"/>\n`)
    .join('');
  return {
    xml: `  <testsuite ${attrs}>\n    <properties>\n${props}    </properties>\n${cases}  </testsuite>\n`,
    tests: outcomes.length,
    failures,
    errors,
    skipped,
    timeMs: r.total_latency_ms,
  };
}

/**
 * The step id, which is unique in its chain and stays put when steps are inserted or reordered; a
 * child's step is named by the chain steps above it: `crm › update` (SPEC 3.3).
 */
function caseName({ step, path }: CaseRow): string {
  return [...path, step.step_id].join(' › ');
}

/**
 * Why a step never ran: `condition: <its if:>` (SPEC 3.5), else `skipped (<skip_reason>): <why>`,
 * in the words the terminal and the recap use.
 */
function skipMessage({ step, chain }: CaseRow): string {
  if (step.skip_reason === 'condition') return `condition: ${step.condition ?? ''}`;
  // A result without skip_reason (written before it existed): its chain's reason stands in.
  const why = step.skip_reason ?? (step.status === 'cancelled' ? 'cancelled' : (chain.termination_reason ?? 'not run'));
  const words = (NOT_RUN_BECAUSE as Readonly<Record<string, string>>)[why];
  return words ? `skipped (${why}): ${words}` : `skipped: ${why}`;
}

/** What went wrong, one fact a line, the step's call first (the case's name is only its id). */
function problemText(s: StepResult): string {
  const e = s.error;
  return [
    s.uses !== undefined ? `uses: ${s.uses}` : `action: ${s.action_id ?? ''}`,
    `kind: ${e?.kind ?? s.status}`,
    `status: ${s.status}`,
    e?.http_status != null ? `http_status: ${e.http_status}` : '',
    `message: ${e?.message ?? s.status}`,
    e?.hint ? `hint: ${e.hint}` : '',
    e?.context_id ? `context_id: ${e.context_id}` : '',
    s.fallback?.status === 'failed'
      ? `fallback ${s.fallback.action_id ?? 'output'} failed: ${s.fallback.error?.message ?? ''}`
      : '',
    `attempts: ${s.attempts}`,
  ]
    .filter(Boolean)
    .join('\n');
}

function testcase(suite: ChainResult, row: CaseRow, outcome: Outcome, locate: StepLocator): string {
  const s = row.step;
  const line = locate(row.chain.file, s.step_index)?.line;
  const head = `    <testcase classname="${xmlAttr(suite.chain_id)}" name="${xmlAttr(caseName(row))}" file="${xmlAttr(row.chain.file)}"${line === undefined ? '' : ` line="${line}"`} time="${seconds(s.latency_ms)}"`;
  if (outcome === 'skipped')
    return `${head}>\n      <skipped message="${xmlAttr(skipMessage(row))}"/>\n    </testcase>\n`;
  if (outcome === 'failure' || outcome === 'error') {
    const attrs = `message="${xmlAttr(s.error?.message ?? s.status)}" type="${xmlAttr(s.error?.kind ?? s.status)}"`;
    return `${head}>\n      <${outcome} ${attrs}>${xmlText(problemText(s))}</${outcome}>\n    </testcase>\n`;
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

/** Milliseconds as the seconds JUnit counts in, `12.345`: digits and one dot, as Jenkins' SUREFIRE_TIME wants. */
function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
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
