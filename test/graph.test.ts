// `cxchain graph` and the charts in `plan --format markdown` (issue 16): the text of each
// notation, and every Mermaid chart parsed and rendered by the official Mermaid in headless
// Chromium, every SVG laid out by Graphviz.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { debianProgram, dumpDom } from './debian.js';
import { git, put, ROOT, runCli, tempDir } from './helpers.js';

const HOSTILE = [
  'version: 1',
  'chain_id: hostile',
  'inputs:',
  '  who: { type: string, default: x }',
  'steps:',
  '  - id: first',
  '    action_id: da-echo',
  '    on_failure: fallback',
  '    fallback: { output: { v: 1 } }',
  '  - id: second',
  // Quotes, angle brackets, an ampersand, a hash, a backtick and a pipe: each could end a
  // Mermaid label or start markup if it were not escaped.
  `    if: \${{ steps.first.output.v != '"]> end <b>&#35;\`|' }}`,
  '    action_id: da-echo',
  '    payload: { v: "${{ steps.first.output.v }}" }',
  '',
].join('\n');

/** Each chart parsed and rendered by Mermaid in Chromium: its nodes, edges and boxes as drawn. */
function renderMermaid(chromium: string, dir: string, charts: readonly string[]) {
  const mermaid = pathToFileURL(join(ROOT, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js')).href;
  const page = `<!doctype html><meta charset="utf-8"><body><div id="box"></div><pre id="out">pending</pre>
<script src="${mermaid}"></script>
<script>
(async () => {
  const results = [];
  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
  for (const [i, chart] of ${JSON.stringify(charts)}.entries()) {
    try {
      await mermaid.parse(chart);
      const { svg } = await mermaid.render('chart' + i, chart);
      const box = document.getElementById('box');
      box.innerHTML = svg;
      results.push({
        ok: true,
        nodes: box.querySelectorAll('g.node').length,
        edges: box.querySelectorAll('path.flowchart-link').length,
        clusters: box.querySelectorAll('g.cluster').length,
        text: box.textContent,
      });
    } catch (e) {
      results.push({ ok: false, error: String((e && e.message) || e) });
    }
  }
  document.getElementById('out').textContent = 'RESULT' + JSON.stringify(results) + 'END';
})();
</script>`;
  return (async () => {
    const file = join(dir, 'mermaid.html');
    await writeFile(file, page);
    const dom = dumpDom(chromium, join(dir, 'chromium'), pathToFileURL(file).href);
    const found = /<pre id="out">RESULT(.*?)END<\/pre>/s.exec(dom);
    assert.ok(found, `the page finished: ${dom.slice(0, 500)}`);
    const decoded = (found[1] ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    return JSON.parse(decoded) as {
      ok: boolean;
      error?: string;
      nodes: number;
      edges: number;
      clusters: number;
      text: string;
    }[];
  })();
}

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

describe('cxchain graph (issue 16)', () => {
  test('mermaid: steps in order, failure paths, the if: condition, data references and the child chain', async () => {
    const r = await runCli(['graph', 'chains/customer-onboarding.yaml']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').map((l) => l.trim());
    for (const line of [
      'flowchart TD',
      'subgraph c0["customer-onboarding · chains/customer-onboarding.yaml"]',
      'c0_s0["profile<br/>da-fetch-customer-profile"]',
      'c0_s3[["crm<br/>uses ./lib/crm-sync.yaml"]]',
      'subgraph c0_c3["crm-sync · chains/lib/crm-sync.yaml"]',
      'c0_c3_f0{{"fallback<br/>da-queue-crm-retry"}}',
      'c0_start --> c0_s0',
      'c0_s0 -->|"failed: abort"| c0_abort',
      // eligibility continues on failure; upgrade runs only if its condition holds.
      `c0_s1 -->|"ok / failed: continue · if steps.eligibility.status == 'success' #38;#38; steps.profile.output.tier != 'premium'"| c0_s2`,
      'c0_s2 -->|"ok / skipped"| c0_s3',
      'c0_s3 -.->|"runs"| c0_c3_start',
      'c0_s1 -.->|"output.offers[0], status"| c0_s2',
      'c0_s3 -.->|"output.status"| c0_end',
      'c0_c3_s0 -->|"failed: fallback"| c0_c3_f0',
      'c0_c3_f0 -->|"fallback failed"| c0_c3_abort',
      'class c0_end,c0_c3_end cx_end',
    ])
      assert.ok(lines.includes(line), `${line}\nin\n${r.stdout}`);
    // The child is drawn once, inside its parent; the call_only file is not a chart of its own.
    const all = await runCli(['graph', 'chains/']);
    assert.equal(count(all.stdout, /subgraph c\d+\["crm-sync /g), 0);
    assert.equal(count(all.stdout, /subgraph c\d+_c\d+\["crm-sync /g), 1);
  });

  test('dot and svg: the same graph, laid out by Graphviz', async () => {
    const dot = await runCli(['graph', 'chains/customer-onboarding.yaml', '--format', 'dot']);
    assert.equal(dot.code, 0, dot.stderr);
    assert.match(dot.stdout, /^digraph cxchain \{/);
    assert.match(dot.stdout, /subgraph cluster_c0_c3 \{/);
    // Graphviz does not wrap a label: cxchain does, at 40 characters.
    assert.ok(
      dot.stdout.includes(
        `c0_s1 -> c0_s2 [label="ok / failed: continue · if\\nsteps.eligibility.status == 'success' &&\\nsteps.profile.output.tier != 'premium'"];`,
      ),
      dot.stdout,
    );
    assert.match(
      dot.stdout,
      /c0_s0 -> c0_s1 \[style=dashed, color="#5f6368", fontcolor="#5f6368", label="output\.tier"\];/,
    );
    const nodes = count(dot.stdout, /^\s+c[\d_c]+_(start|s\d+|f\d+|end|abort) \[/gm);
    const svg = await runCli(['graph', 'chains/customer-onboarding.yaml', '--format', 'svg']);
    assert.equal(svg.code, 0, svg.stderr);
    assert.match(svg.stdout, /<svg /);
    assert.equal(count(svg.stdout, /<g id="node\d+" class="node">/g), nodes);
    assert.equal(count(svg.stdout, /<g id="clust\d+" class="cluster">/g), 2);
  });

  test('invalid chains are not drawn: the problems, exit 2', async () => {
    const { dir, cleanup } = await tempDir({ 'bad.yaml': 'version: 1\nchain_id: b\nsteps: []\n' });
    try {
      const r = await runCli(['graph', dir]);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /bad\.yaml:3:8 +error/);
      assert.match(r.stderr, /nothing was drawn/);
    } finally {
      await cleanup();
    }
  });

  const chromium = debianProgram('chromium', '/usr/bin/chromium');
  test(
    'every chart parses and renders with the official Mermaid: the examples, a hostile label, a plan',
    { skip: 'skip' in chromium ? chromium.skip : false, timeout: 300_000 },
    async () => {
      if (!('path' in chromium)) return;
      const { dir, cleanup } = await tempDir({ 'hostile.yaml': HOSTILE });
      try {
        const examples = await runCli(['graph', 'chains/']);
        const hostile = await runCli(['graph', join(dir, 'hostile.yaml')]);
        assert.equal(hostile.code, 0, hostile.stderr);
        // A plan of a changed chain, with the changed step highlighted.
        const repo = join(dir, 'repo');
        await put(repo, { 'c.yaml': 'version: 1\nchain_id: c\nrevision: 1\nsteps:\n  - action_id: da-echo\n' });
        git(repo, 'init', '-q', '-b', 'main');
        git(repo, 'add', '-A');
        git(repo, 'commit', '-qm', 'c');
        await writeFile(
          join(repo, 'c.yaml'),
          'version: 1\nchain_id: c\nrevision: 2\nsteps:\n  - action_id: da-echo\n    timeout_seconds: 9\n  - id: two\n    action_id: da-echo\n',
        );
        const plan = await runCli(['plan', 'c.yaml', '--base', 'main', '--format', 'markdown'], { cwd: repo });
        assert.equal(plan.code, 0, plan.stderr);
        const planChart = /```mermaid\n([\s\S]*?)```/.exec(plan.stdout)?.[1];
        assert.ok(planChart, plan.stdout);
        assert.match(planChart, /class c0_s0,c0_s1 cx_changed/);

        const [all, bad, planned] = await renderMermaid(chromium.path, dir, [
          examples.stdout,
          hostile.stdout,
          planChart,
        ]);
        assert.ok(all?.ok, all?.error);
        // 4 top-level chains and one child: every node and edge the text declares is drawn.
        assert.equal(all.clusters, 5);
        assert.equal(all.nodes, count(examples.stdout, /^\s+c[\d_c]+_\w+(\(\[|\[\[|\{\{|\[)"/gm));
        assert.equal(all.edges, count(examples.stdout, / (-->|-\.->)(\|"[^"]*"\|)? /g));
        assert.ok(bad?.ok, bad?.error);
        assert.ok(bad.text.includes(`if steps.first.output.v != '"]> end <b>&#35;\`|'`), bad.text);
        assert.ok(planned?.ok, planned?.error);
        // start, the two steps, completed, and terminated early (on_failure defaults to abort).
        assert.equal(planned.nodes, 5);
      } finally {
        await cleanup();
      }
    },
  );
});
