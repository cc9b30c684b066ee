import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  annotationPath,
  escapeData,
  escapeProperty,
  formatAnnotation,
  formatProblemAnnotations,
} from '../src/report/github.js';
import { mdCode, mdText } from '../src/report/markdown.js';
import { createSimulator, type Simulator } from '../src/sim/index.js';
import { runCli, simulatorEnv, tempDir } from './helpers.js';

describe('workflow commands, escaped per the runner rules', () => {
  test('data escapes %, CR and LF; properties also escape : and ,', () => {
    assert.equal(escapeData('100% done\r\nnext: a, b'), '100%25 done%0D%0Anext: a, b');
    assert.equal(escapeProperty('100% done\r\nnext: a, b'), '100%25 done%0D%0Anext%3A a%2C b');
    // `%` first, so an escape sequence already in the text is not decoded on the way back.
    assert.equal(escapeData('%0A'), '%250A');
  });

  test('an annotation line: file, line, col and title as escaped properties, then the message', () => {
    assert.equal(
      formatAnnotation({
        file: 'chains/odd,name:x.yaml',
        line: 7,
        column: 5,
        title: 'a › b failed (http)',
        message: 'status: 500, 100%\nhint: look',
      }),
      '::error file=chains/odd%2Cname%3Ax.yaml,line=7,col=5,title=a › b failed (http)::status: 500, 100%25%0Ahint: look',
    );
    assert.equal(formatAnnotation({ level: 'warning', message: 'plain' }), '::warning::plain');
  });

  test('annotation paths are relative to GITHUB_WORKSPACE, with forward slashes', () => {
    const env = { GITHUB_WORKSPACE: '/work/repo' };
    assert.equal(annotationPath('chains/a.yaml', '/work/repo/sub', env), 'sub/chains/a.yaml');
    assert.equal(annotationPath('chains/a.yaml', '/work/repo', env), 'chains/a.yaml');
    assert.equal(annotationPath('/elsewhere/a.yaml', '/work/repo', env), '/elsewhere/a.yaml');
    assert.equal(annotationPath('chains/a.yaml', '/anywhere', {}), 'chains/a.yaml');
    assert.equal(
      formatProblemAnnotations(
        [{ code: 'schema.enum', message: 'bad', hint: 'fix it', file: 'c.yaml', line: 2, column: 3 }],
        { cwd: '/work/repo/sub', env },
      ),
      '::error file=sub/c.yaml,line=2,col=3,title=schema.enum::bad%0Afix: fix it\n',
    );
  });

  test('Markdown text cannot turn into markup; code spans survive backticks and pipes', () => {
    assert.equal(mdText('<b>x</b> *y* a_b | c\nd'), '&lt;b&gt;x&lt;/b&gt; \\*y\\* a\\_b \\| c d');
    // CommonMark reads no backslash escape and no entity inside a code span: kept as written.
    assert.equal(mdText('use `on_failure`', { keepCode: true }), 'use `on_failure`');
    assert.equal(
      mdText('`1 && true` is not <b>boolean</b>, a_b and a lone ` tick', { keepCode: true }),
      '`1 && true` is not &lt;b&gt;boolean&lt;/b&gt;, a\\_b and a lone \\` tick',
    );
    assert.equal(mdCode('a|b'), '`a\\|b`');
    assert.equal(mdCode('x `y` z'), '``x `y` z``');
    assert.equal(mdCode('`y`'), '`` `y` ``');
  });
});

describe('validate in GitHub Actions', () => {
  test('text stays readable in the log and each problem is also an annotation, even in an odd file name', async () => {
    const { dir, cleanup } = await tempDir({
      'chains/we,ird:name.yaml': 'version: 1\nchain_id: w\nsteps:\n  - action_id: da-echo\n    on_failure: maybe\n',
    });
    try {
      const r = await runCli(['validate', 'chains'], {
        cwd: dir,
        env: { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: dir },
      });
      assert.equal(r.code, 2);
      assert.match(r.stdout, /chains\/we,ird:name\.yaml:5:17 {2}error/);
      assert.match(
        r.stdout,
        /^::error file=chains\/we%2Cird%3Aname\.yaml,line=5,col=17,title=schema\.enum::`steps\[0\]\.on_failure` must be one of .*%0Afix: .*\n$/m,
      );
      const plain = await runCli(['validate', 'chains'], { cwd: dir });
      assert.doesNotMatch(plain.stdout, /^::/m, 'no workflow commands outside GitHub Actions');
    } finally {
      await cleanup();
    }
  });
});

describe('run in GitHub Actions: annotations at the failed step, a job summary, JUnit', () => {
  let sim: Simulator;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    sim = await createSimulator({
      actions: {
        'da-broken': { status: 500, body: { message: 'disk 100% full, see: logs', contextId: 'ctx-9' } },
        'da-flaky': { status: 503, body: { message: 'try later' } },
        'da-leaky': { status: 400, body: { message: 'rejected key ${{ payload.key }}' } },
      },
    });
    ({ dir, cleanup } = await tempDir({
      'chains/ok.yaml': 'version: 1\nchain_id: ok\nsteps:\n  - action_id: da-echo\n',
      'chains/fails.yaml':
        'version: 1\nchain_id: fails\nsteps:\n  - action_id: da-echo\n    payload: { a: 1 }\n  - id: broken\n    action_id: da-broken\n  - action_id: da-send-sms\n',
      'chains/saved.yaml':
        'version: 1\nchain_id: saved\ndefaults:\n  retry: { max_attempts: 1 }\nsteps:\n  - id: flaky\n    action_id: da-flaky\n    on_failure: fallback\n    fallback:\n      output: { queued: true }\n',
    }));
    env = {
      ...simulatorEnv(sim, 'gh-test', 'gh-secret-value'),
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: dir,
      GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/chains',
      GITHUB_SHA: 'abc123',
    };
  });
  after(async () => {
    await sim.close();
    await cleanup();
  });
  beforeEach(() => sim.reset());

  test('the exact annotation lines, the appended summary, a JUnit file that parses with the right counts', async () => {
    await writeFile(join(dir, 'summary.md'), '## an earlier step\n');
    const r = await runCli(['run', 'chains', '--renderer', 'simple', '--report', 'junit=out/junit.xml'], {
      cwd: dir,
      env,
    });
    assert.equal(r.code, 1, r.stderr + r.stdout);

    const commands = r.stdout.split('\n').filter((line) => line.startsWith('::') && !line.startsWith('::add-mask::'));
    assert.deepEqual(commands, [
      "::error file=chains/fails.yaml,line=6,col=5,title=fails › broken failed (http)::[POST] da-broken: 500 Internal Server Error — disk 100%25 full, see: logs%0Ahint: check the action's execution logs in CXone; consider `on_failure: continue` for a non-critical step%0Acontext id: ctx-9",
      '::warning file=chains/saved.yaml,line=6,col=5,title=saved › flaky used its fallback::fallback output used after: [POST] da-flaky: 503 Service Unavailable — try later',
    ]);

    const md = await readFile(join(dir, 'summary.md'), 'utf8');
    const lines = md.split('\n');
    assert.equal(lines[0], '## an earlier step', 'the summary is appended to, not replaced');
    assert.equal(lines[1], '### cxchain run: 3 chains, 2 completed, 1 terminated early');
    assert.equal(lines[3], '|  | chain | file | status | steps | latency |');
    assert.match(
      md,
      /^\| ❌ \| `fails` \| `chains\/fails\.yaml` \| terminated early \(abort\) \| 1\/3 passed, 1 failed, 1 skipped \| [\d.]+ m?s \|$/m,
    );
    assert.match(md, /^\| ✅ \| `ok` \| `chains\/ok\.yaml` \| completed \| 1\/1 passed \| [\d.]+ m?s \|$/m);
    assert.match(
      md,
      /^\| ✅ \| `saved` \| `chains\/saved\.yaml` \| completed \| 0\/1 passed, 1 fallback \| [\d.]+ m?s \|$/m,
    );
    assert.match(md, /^#### Failures$/m);
    assert.match(
      md,
      /^- ❌ \*\*fails › broken\*\* \(`da-broken`\) at \[`chains\/fails\.yaml:6`\]\(https:\/\/github\.com\/acme\/chains\/blob\/abc123\/chains\/fails\.yaml#L6\): kind `http`, HTTP 500, 1 attempt$/m,
    );
    assert.match(md, /^ {2}- \\\[POST\\\] da-broken: 500 Internal Server Error — disk 100% full, see: logs$/m);
    assert.match(
      md,
      /^ {2}- hint: check the action's execution logs in CXone; consider `on_failure: continue` for a non-critical step$/m,
    );
    assert.match(md, /^ {2}- context id: ctx-9$/m);
    assert.equal(md.includes('gh-secret-value'), false);

    const xml = await readFile(join(dir, 'out/junit.xml'), 'utf8');
    assert.equal(XMLValidator.validate(xml), true);
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
    }).parse(xml) as JunitDocument;
    const suites = doc.testsuites.testsuite;
    assert.deepEqual(
      suites.map((s) => [s.name, s.tests, s.failures, s.skipped, s.testcase.length]),
      [
        ['fails', '3', '1', '1', 3],
        ['ok', '1', '0', '0', 1],
        ['saved', '1', '0', '0', 1],
      ],
    );
    assert.deepEqual([doc.testsuites.tests, doc.testsuites.failures, doc.testsuites.errors], ['5', '1', '0']);
    assert.equal(doc.testsuites.skipped, undefined, "Jenkins' schema allows skipped on a suite only");
    const failed = suites[0]?.testcase[1];
    assert.deepEqual(
      suites[0]?.testcase.map((c) => [c.name, c.file, c.line]),
      [
        ['da-echo', 'chains/fails.yaml', '4'],
        ['broken', 'chains/fails.yaml', '6'],
        ['da-send-sms', 'chains/fails.yaml', '8'],
      ],
      'named by step id (the action id where none is set), at the line of the annotation',
    );
    assert.equal(failed?.failure?.type, 'http');
    assert.equal(failed?.failure?.message, '[POST] da-broken: 500 Internal Server Error — disk 100% full, see: logs');
    assert.match(
      failed?.failure?.['#text'] ?? '',
      /^action: da-broken\nkind: http\nstatus: failed\nhttp_status: 500\nmessage: .*\nhint: check the action's execution logs.*\ncontext_id: ctx-9\nattempts: 1$/,
    );
    assert.equal(suites[0]?.testcase[2]?.skipped?.message, 'skipped (abort): an earlier step failed');
  });

  test('a secret echoed by the server is redacted before escaping, so neither annotation nor summary shows it', async () => {
    // `%` and `_` change under workflow-command and Markdown escaping: redacting the escaped text would miss it.
    const secret = 'sk_live%42_x';
    const { dir: here, cleanup: done } = await tempDir({
      'leak.yaml':
        'version: 1\nchain_id: leak\nsteps:\n  - action_id: da-leaky\n    payload: { key: "${{ secrets.CRM_KEY }}" }\n',
    });
    try {
      const summary = join(here, 'summary.md');
      const r = await runCli(['run', 'leak.yaml', '--renderer', 'simple'], {
        cwd: here,
        env: { ...env, GITHUB_WORKSPACE: here, GITHUB_STEP_SUMMARY: summary, CXCHAIN_SECRET_CRM_KEY: secret },
      });
      assert.equal(r.code, 1, r.stderr);
      assert.deepEqual(
        sim.requests.map((q) => q.body),
        [{ key: secret }],
        'the secret did reach the server',
      );
      const annotation = r.stdout.split('\n').find((line) => line.startsWith('::error'));
      assert.match(annotation ?? '', /::\[POST\] da-leaky: 400 Bad Request — rejected key \*\*\*/);
      const md = await readFile(summary, 'utf8');
      assert.match(md, /rejected key \\\*\\\*\\\*/);
      for (const text of [r.stdout, r.stderr, md])
        for (const form of [secret, 'sk_live%2542_x', 'sk\\_live%42\\_x'])
          assert.equal(text.includes(form), false, form);
    } finally {
      await done();
    }
  });

  test('an invalid chain: annotations and a summary of the problems, nothing sent', async () => {
    const { dir: bad, cleanup: done } = await tempDir({
      'c.yaml': 'version: 1\nchain_id: c\nsteps:\n  - action_id: da-echo\n    timeout_seconds: 1\n',
    });
    try {
      const summary = join(bad, 'summary.md');
      const r = await runCli(['run', 'c.yaml'], {
        cwd: bad,
        env: { ...env, GITHUB_WORKSPACE: bad, GITHUB_STEP_SUMMARY: summary },
      });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^::error file=c\.yaml,line=5,col=22,title=schema\.range::.*$/m);
      const md = await readFile(summary, 'utf8');
      assert.match(
        md,
        /^### cxchain run: nothing was run, 1 problem to fix first\n\n- ❌ \[`c\.yaml:5`\]\(https:\/\/github\.com\/acme\/chains\/blob\/abc123\/c\.yaml#L5\) .*\(`schema\.range`\)$/m,
      );
      assert.equal(sim.requests.length, 0);
    } finally {
      await done();
    }
  });
});

interface JunitCase {
  name: string;
  file: string;
  line: string;
  failure?: { type: string; message: string; '#text': string };
  skipped?: { message: string };
}

interface JunitDocument {
  testsuites: {
    tests: string;
    failures: string;
    errors: string;
    skipped?: string;
    testsuite: { name: string; tests: string; failures: string; skipped: string; testcase: JunitCase[] }[];
  };
}
