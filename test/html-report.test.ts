import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { ChainResult, RunEvent } from '../src/engine/index.js';
import { formatHtmlReport } from '../src/report/html-report.js';
import { drawChain } from '../src/report/html-rows.js';
import { BEFORE_SEND_VISIBLE_MS, createTimelineCollector } from '../src/report/html-timeline.js';
import { createSimulator, type Simulator } from '../src/sim/index.js';
import { debianProgram, dumpDom } from './debian.js';
import { runCli, tempDir } from './helpers.js';

const HOSTILE = '<script>alert(1)</script>';

const MAIN = `version: 1
chain_id: html-main
defaults:
  retry: { initial_delay_ms: 150, max_delay_ms: 250 }
steps:
  - id: flaky
    action_id: da-flaky
  - id: limited
    action_id: da-limited
  - id: broken
    action_id: da-broken
    on_failure: continue
  - id: never
    if: \${{ steps.broken.status == 'success' }}
    action_id: da-echo
  - id: child
    uses: ./lib/child.yaml
`;
const CHILD = `version: 1
chain_id: html-child
call_only: true
steps:
  - id: echo
    action_id: da-echo
    payload: { n: 1 }
`;
const SIDE = `version: 1
chain_id: html-side
steps:
  - id: one
    action_id: da-echo
  - id: two
    action_id: da-echo
`;

/** Count of `class="bar KIND …"` elements in HTML or a DOM dump. */
function bars(html: string, kind: string): number {
  return html.match(new RegExp(`class="bar ${kind}[ "]`, 'g'))?.length ?? 0;
}

/** The waits before sending the report should draw, computed from the audit on its own. */
function waitsBeforeSending(events: RunEvent[]): number {
  const ready = new Map<string, number>();
  let waits = 0;
  for (const e of events) {
    if (e.type === 'run_end' || !('step_index' in e)) continue;
    const key = `${JSON.stringify(e.parent ?? [])}${e.chain_id}#${e.step_index}`;
    const t = Date.parse(e.ts);
    if (e.type === 'step_start') ready.set(key, t);
    if (e.type === 'retry') ready.set(key, t + e.wait_ms);
    if (e.type === 'request') {
      if (t - (ready.get(key) ?? t) >= BEFORE_SEND_VISIBLE_MS) waits += 1;
      ready.set(key, t);
    }
  }
  return waits;
}

describe('--report html=FILE: a picture of a run', () => {
  let sim: Simulator;
  let dir: string;
  let cleanup: () => Promise<void>;
  let env: NodeJS.ProcessEnv;
  let html: string;
  let audit: RunEvent[];
  let report: { results: ChainResult[]; exit_code: number };
  let code: number | null;

  before(async () => {
    sim = await createSimulator({
      actions: {
        'da-flaky': { sequence: [{ status: 503 }, { body: { note: HOSTILE } }] },
        'da-limited': { sequence: [{ status: 429, retry_after: 1 }, { body: { ok: true } }] },
        'da-broken': { status: 500, body: { message: `broke ${HOSTILE}` } },
      },
    });
    env = {
      CXONE_BASE_URL: sim.url,
      CXONE_TOKEN_URL: sim.tokenUrl,
      CXONE_CLIENT_ID: 'html',
      CXONE_CLIENT_SECRET: 'Html-Test-Secret-1',
    };
    ({ dir, cleanup } = await tempDir({
      'chains/main.yaml': MAIN,
      'chains/lib/child.yaml': CHILD,
      'chains/side.yaml': SIDE,
      'bad/bad.yaml': 'version: 1\nchain_id: bad\nsteps: []\n',
    }));
    // 3/s: the run's 8 requests cannot all leave at once, so some wait for a slot before sending.
    const r = await runCli(
      [
        'run',
        'chains',
        '--renderer',
        'simple',
        '--rate-limit',
        '3/s',
        '--audit-payloads',
        '--audit',
        'out/audit.jsonl',
        '--report',
        'json=out/r.json',
        '--report',
        'html=out/r.html',
      ],
      { cwd: dir, env },
    );
    code = r.code;
    assert.ok(existsSync(join(dir, 'out/audit.jsonl')), `${r.stdout}${r.stderr}`);
    html = readFileSync(join(dir, 'out/r.html'), 'utf8');
    audit = readFileSync(join(dir, 'out/audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RunEvent);
    report = JSON.parse(readFileSync(join(dir, 'out/r.json'), 'utf8')) as typeof report;
  });
  after(async () => {
    await sim.close();
    await cleanup();
  });

  test('the summary holds the run’s numbers', () => {
    assert.equal(code, 0);
    const fact = (name: string) => new RegExp(`data-fact="${name}">([^<]*)<`).exec(html)?.[1];
    assert.equal(fact('chains'), '2');
    assert.equal(fact('completed'), '2');
    assert.equal(fact('terminated early'), '0');
    const sum = (k: 'success' | 'failed' | 'skipped') => report.results.reduce((n, r) => n + r.counts[k], 0);
    assert.equal(fact('success'), String(sum('success')));
    assert.equal(fact('failed'), '1');
    assert.equal(fact('skipped'), '1');
    assert.equal(fact('steps'), '7 (6 executed)');
    assert.equal(fact('exit code'), '0');
    assert.deepEqual(
      readdirSync(join(dir, 'out')).filter((name) => name.endsWith('.tmp')),
      [],
      'written through a temporary file, renamed',
    );
    const runEnd = audit.find((e) => e.type === 'run_end');
    assert.ok(html.includes(`run <code>${runEnd?.run_id}</code>`));
    assert.match(html, /cxchain \d+\.\d+\.\d+/);
  });

  test('server text is escaped: no <script> of an answer or an error message survives', () => {
    assert.equal(html.includes(HOSTILE), false);
    assert.equal(/<script/i.test(html), false);
    assert.ok(html.includes('broke &lt;script&gt;alert(1)&lt;/script&gt;'), 'the error message, escaped');
    assert.match(html, /<details class="step failed" open><summary><b>broken<\/b>/, 'a failed step’s detail is open');
    assert.ok(
      html.includes('&quot;note&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;'),
      'the answer, escaped',
    );
  });

  test('one bar per attempt, per retry wait, per wait before sending; child steps nested', () => {
    const attempts = audit.filter((e) => e.type === 'attempt').length;
    const retries = audit.filter((e) => e.type === 'retry');
    assert.equal(attempts, 8);
    assert.equal(bars(html, 'attempt'), attempts);
    assert.equal(retries.length, 2);
    assert.deepEqual(retries.map((e) => e.type === 'retry' && e.wait_source).sort(), ['backoff', 'retry-after']);
    assert.equal(bars(html, 'retry_wait'), 2);
    const waits = waitsBeforeSending(audit);
    assert.ok(waits >= 1, 'the rate limit held some request back');
    assert.equal(bars(html, 'before_send'), waits);
    assert.match(html, /padding-left:2\.5em" title="echo da-echo"/, 'the child’s step one level below its chain step');
    assert.match(html, /class="mark skipped"[^>]*title="skipped"/, 'the skipped step is marked');
  });

  test('Chromium draws the same bars from the file alone, without script', (t) => {
    const chromium = debianProgram('chromium', '/usr/bin/chromium');
    if ('skip' in chromium) return t.skip(chromium.skip);
    const dom = dumpDom(chromium.path, join(dir, 'profile'), pathToFileURL(join(dir, 'out/r.html')).href);
    assert.equal(bars(dom, 'attempt'), audit.filter((e) => e.type === 'attempt').length);
    assert.equal(bars(dom, 'retry_wait'), 2);
    assert.equal(bars(dom, 'before_send'), waitsBeforeSending(audit));
    assert.equal(/<script/i.test(dom), false, 'no element was injected');
    assert.equal(dom.match(/<details class="step /g)?.length, 7 + 1, 'a <details> per step, the child’s too');
  });

  test('answers stay out without --audit-payloads; a run of invalid chains still writes the page', async () => {
    sim.reset();
    const r = await runCli(['run', 'chains', '--renderer', 'simple', '--report', 'html=out/quiet.html'], {
      cwd: dir,
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    const quiet = readFileSync(join(dir, 'out/quiet.html'), 'utf8');
    assert.equal(quiet.includes('&quot;note&quot;'), false, 'no answer');
    assert.ok(quiet.includes('broke &lt;script&gt;'), 'errors are still shown');
    const bad = await runCli(['run', 'bad', '--report', 'html=out/bad.html'], { cwd: dir, env });
    assert.equal(bad.code, 2);
    const page = readFileSync(join(dir, 'out/bad.html'), 'utf8');
    assert.match(page, /Nothing was run \(exit code 2\)/);
    assert.match(page, /data-fact="chains">0</);
  });
});

describe('the HTML writer, for results a library caller built', () => {
  test('ids and file names are escaped in text and in attributes', () => {
    const evil = `"><img src=x onerror=alert(1)>`;
    const origin = Date.parse('2026-01-01T00:00:00.000Z');
    const timeline = createTimelineCollector(origin);
    const result: ChainResult = {
      chain_id: evil,
      run_id: 'r',
      file: `${evil}.yaml`,
      revision: null,
      steps_executed: 1,
      total_latency_ms: 5,
      completion_rate_percent: 0,
      final_status: 'terminated_early',
      termination_reason: 'abort',
      counts: { success: 0, failed: 1, fallback: 0, skipped: 0, cancelled: 0 },
      outputs: null,
      aggregated_responses: [
        {
          step_index: 0,
          step_id: evil,
          action_id: evil,
          status: 'failed',
          http_status: 500,
          attempts: 1,
          latency_ms: 5,
          started_at: null,
          response_data: null,
          error: {
            kind: 'http',
            message: evil,
            http_status: 500,
            server_message: evil,
            code: null,
            context_id: null,
            hint: evil,
          },
        },
      ],
      audit_log: [],
    };
    const base = {
      ts: '2026-01-01T00:00:00.010Z',
      run_id: 'r',
      chain_id: evil,
      file: `${evil}.yaml`,
      step_index: 0,
      step_id: evil,
      action_id: evil,
    };
    timeline.add({
      ...base,
      type: 'attempt',
      fallback: false,
      attempt: 1,
      request_id: 'q',
      http_status: 500,
      latency_ms: 5,
      error: { kind: 'http', message: evil },
    });
    const page = formatHtmlReport(
      {
        tool: { name: 'cxchain', version: evil },
        run_id: evil,
        started_at: '2026-01-01T00:00:00.000Z',
        finished_at: '2026-01-01T00:00:00.020Z',
        exit_code: 1,
        chains: { total: 1, completed: 0, terminated_early: 1 },
        steps: 1,
        steps_executed: 1,
        counts: result.counts,
      },
      [drawChain(result, timeline, { payloads: true })],
    );
    assert.equal(page.includes('<img'), false);
    assert.equal(page.includes(evil), false);
    assert.equal(page.includes('onerror=alert(1)>'), false);
    assert.equal(bars(page, 'attempt'), 1);
    assert.match(page, /left:25\.000%;width:25\.000%/, 'the attempt, 5 ms from 5 ms on a 20 ms axis');
  });
});
