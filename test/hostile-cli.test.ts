import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { CLI, tempDir } from './helpers.js';
import {
  connectionEnv,
  findLeak,
  foreignCommands,
  hostileServer,
  leakWindows,
  prng,
  spawnCli,
  type HostileServer,
  type Spawned,
  watchUntil,
} from './hostile-server.js';

/**
 * Issue 11 under attack: the built CLI against a real server on 127.0.0.1 that answers what a
 * hostile or broken tenant would, with a full disk, a closed pipe and a kill -9 in between.
 */

const CLIENT_ID = 'qaid';
const SECRET = `qa/Sec+${randomBytes(8).toString('hex')}&x`;
const RETRY = '  retry: { max_attempts: 2, initial_delay_ms: 1, max_delay_ms: 5 }\n';

const chain = (id: string, steps: string, outputs = '') =>
  `version: 1\nchain_id: ${id}\ndefaults:\n${RETRY}steps:\n${steps}${outputs ? `outputs:\n${outputs}` : ''}`;
const step = (action: string, extra = '') => `  - action_id: ${action}\n${extra}`;

interface ChainReport {
  chain_id: string;
  final_status: string;
  termination_reason: string | null;
  outputs: Record<string, unknown>;
  aggregated_responses: {
    step_id: string;
    status: string;
    response_data: unknown;
    error: { kind: string; message: string; server_message: string | null } | null;
  }[];
}
interface AuditLine {
  type: string;
  request_id?: string;
  step_id?: string;
  result?: ChainReport['aggregated_responses'][number];
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { results: ChainReport[] };
const readAudit = (file: string): AuditLine[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AuditLine);

/** Like Promise.all, but waits for every run to end before failing, so no process outlives its test. */
async function allSettled(runs: readonly Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(runs)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

const STACK = /^\s+at .+[:(]\d+/m;

function assertNoCrash(r: Spawned, what: string) {
  const all = r.stdout + r.stderr;
  assert.equal(/internal error/i.test(all), false, `${what}: ${r.stderr}`);
  assert.equal(STACK.test(all), false, `${what}: a stack was printed: ${r.stderr}`);
  assert.notEqual(r.code, 70, `${what}: exit 70`);
  assert.equal(r.signal, null, `${what}: killed by ${r.signal}`);
}

/** Every request the server received has its `request` line in the audit (SPEC 6). */
function assertAuditCoversRequests(audit: AuditLine[], requestIds: readonly string[], what: string) {
  const recorded = new Set(audit.filter((e) => e.type === 'request').map((e) => e.request_id));
  assert.ok(requestIds.length > 0, `${what}: the server received requests`);
  for (const id of requestIds) assert.ok(recorded.has(id), `${what}: request ${id} reached the server unrecorded`);
}

function assertXml(text: string, what: string) {
  assert.equal(XMLValidator.validate(text), true, `${what}: JUnit is not well-formed XML`);
  assert.match(text, /<testsuites /, what);
}

describe('the CLI against a hostile server', () => {
  let server: HostileServer;
  const cleanups: (() => Promise<void>)[] = [];
  before(async () => {
    server = await hostileServer();
  });
  after(async () => {
    await server.close();
    for (const cleanup of cleanups) await cleanup();
  });
  beforeEach(() => server.reset());

  const dirWith = async (files: Record<string, string>) => {
    const { dir, cleanup } = await tempDir(files);
    cleanups.push(cleanup);
    return dir;
  };
  const env = (extra: NodeJS.ProcessEnv = {}, secret = SECRET): NodeJS.ProcessEnv => ({
    ...connectionEnv(server, CLIENT_ID, secret),
    ...extra,
  });

  /** Every output of a run with every file output on: the texts to search, by name. */
  async function runAll(
    dir: string,
    tag: string,
    args: readonly string[],
    options: { secret?: string; payloads?: boolean; extraEnv?: NodeJS.ProcessEnv } = {},
  ) {
    const files = {
      report: `out/${tag}.json`,
      junit: `out/${tag}.xml`,
      audit: `out/${tag}.jsonl`,
      summary: `out/${tag}.md`,
    };
    await mkdir(join(dir, 'out'), { recursive: true });
    const r = await spawnCli(
      [
        'run',
        ...args,
        '--report',
        `json=${files.report}`,
        '--report',
        `junit=${files.junit}`,
        '--audit',
        files.audit,
        ...(options.payloads ? ['--audit-payloads'] : []),
      ],
      {
        cwd: dir,
        env: env(
          { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(dir, files.summary), ...options.extraEnv },
          options.secret,
        ),
      },
    );
    const read = (file: string) => readFile(join(dir, file), 'utf8');
    const texts = {
      stdout: r.stdout,
      stderr: r.stderr,
      report: await read(files.report),
      junit: await read(files.junit),
      audit: await read(files.audit),
      summary: await read(files.summary),
    };
    return { r, texts, files };
  }

  function assertNoLeak(texts: Record<string, string>, secrets: readonly string[], what: string) {
    const windows = leakWindows(secrets);
    for (const [name, text] of Object.entries(texts)) {
      const leak = findLeak(text, windows);
      assert.equal(leak, undefined, `${what}: a piece of a secret in ${name}: ${leak}`);
    }
  }

  test('1. an answer nested 5,000 levels deep fails its step (invalid_response); the other chains complete; every request is in the audit', async () => {
    const deep = `${'{"a":['.repeat(2500)}1${']}'.repeat(2500)}`;
    server.action('da-deep', { body: deep });
    server.action('da-deeper', { status: 500, body: `${'['.repeat(5000)}${']'.repeat(5000)}` });
    const dir = await dirWith({
      'chains/deep.yaml': chain('deep', step('da-echo') + step('da-deep') + step('da-after')),
      'chains/deep-error.yaml': chain('deep-error', step('da-deeper', '    on_failure: continue\n') + step('da-echo')),
      'chains/ok1.yaml': chain('ok1', step('da-echo') + step('da-echo', '    id: again\n')),
      'chains/ok2.yaml': chain('ok2', step('da-echo')),
    });
    for (const renderer of ['default', 'json']) {
      server.received.length = 0;
      const { r, files } = await runAll(dir, `deep-${renderer}`, ['chains', '--renderer', renderer]);
      assert.equal(r.code, 1, r.stderr);
      assertNoCrash(r, renderer);
      const report = readJson(join(dir, files.report));
      const byId = new Map(report.results.map((c) => [c.chain_id, c]));
      const failed = byId.get('deep')?.aggregated_responses[1];
      assert.equal(failed?.status, 'failed');
      assert.equal(failed?.error?.kind, 'invalid_response');
      assert.match(failed?.error?.message ?? '', /nests deeper than 1,000 levels/);
      assert.equal(byId.get('deep-error')?.final_status, 'completed');
      assert.equal(byId.get('ok1')?.final_status, 'completed');
      assert.equal(byId.get('ok2')?.final_status, 'completed');
      assert.equal(server.received.filter((q) => q.actionId === 'da-after').length, 0, 'the chain aborted');
      assertAuditCoversRequests(
        readAudit(join(dir, files.audit)),
        server.received.map((q) => q.requestId),
        renderer,
      );
    }
  });

  test('2. a secret quoted at character 495 of a long message, or with whitespace inside and around, appears nowhere', async () => {
    const hex = () => randomBytes(4).toString('hex');
    // Whitespace inside and around; every 8 characters of it hold random ones.
    const spaced = ` \t${hex()} ${hex()}\t  ${hex()}\n`;
    // The secret starts at `at` of a message cut at 500 characters: 5 to 20 of its characters before the cut.
    const long = (secret: string, at: number) => `${'m'.repeat(at - 5)} key ${secret} was refused; ${'n'.repeat(200)}`;
    const OFFSETS = [480, 488, 492, 495];
    const replies = (secret: string) => {
      for (const at of OFFSETS)
        server.action(`da-long-${at}`, { status: 500, body: JSON.stringify({ message: long(secret, at) }) });
      server.action('da-long-text', {
        status: 400,
        headers: { 'content-type': 'text/plain' },
        body: long(secret, 490),
      });
      server.action('da-quote', { status: 500, body: JSON.stringify({ message: `bad secret:${secret}!` }) });
      server.action('da-quote-text', {
        status: 502,
        headers: { 'content-type': 'text/plain' },
        body: `bad secret: ${secret} end`,
      });
      server.action('da-trimmed', {
        status: 401,
        body: JSON.stringify({ message: `bad secret '${secret.trim()}'`, code: secret.trim() }),
      });
      // A 2xx answer that is not JSON is previewed in 80 characters, whitespace folded.
      server.action('da-2xx-text', {
        headers: { 'content-type': 'text/html' },
        body: `<p>${'o'.repeat(65)} ${secret} ${'p'.repeat(40)}</p>`,
      });
      server.action('da-2xx-json', { body: JSON.stringify({ echo: secret, long: long(secret, 495) }) });
      // Characters XML 1.0 forbids, every 3 characters of the secret (no piece of 8 is left, even
      // XML-escaped): dropping them in JUnit would join it again.
      const cut = (c: string) => (secret.match(/[^]{1,3}/g) ?? []).join(c);
      server.action('da-xml-cut', {
        status: 500,
        body: JSON.stringify({ message: `bad ${cut('\u0000')} ${cut('\b')} ${cut('\uFFFE')} ${cut('\uD800')}` }),
      });
    };
    const actions = [
      ...OFFSETS.map((at) => `da-long-${at}`),
      'da-long-text',
      'da-quote',
      'da-quote-text',
      'da-trimmed',
      'da-2xx-text',
      'da-2xx-json',
      'da-xml-cut',
    ];
    const steps = actions.map((a) => step(a, `    id: ${a.replace(/-/g, '_')}\n    on_failure: continue\n`)).join('');
    const dir = await dirWith({
      'chains/leak.yaml': chain('leak', steps, '  echo: ${{ steps.da_2xx_json.output.echo }}\n').replace(
        'steps:\n',
        'max_depth: 15\nsteps:\n',
      ),
    });
    const runsOf = (label: string, secret: string) =>
      ['default', 'simple', 'json'].flatMap((renderer) =>
        [false, true].map(async (payloads) => {
          const tag = `${label}-${renderer}-${payloads}`;
          const { r, texts } = await runAll(dir, tag, ['chains', '--renderer', renderer], { secret, payloads });
          // Every step continues on failure: the chain completes.
          assert.equal(r.code, 0, `${tag}: ${r.stderr}`);
          assertNoCrash(r, tag);
          assertNoLeak(texts, [secret], tag);
        }),
      );
    // One secret at a time on the server: the runs of one secret in parallel, then the other's.
    replies(SECRET);
    await allSettled(runsOf('long', SECRET));
    replies(spaced);
    await allSettled(runsOf('spaced', spaced));
    assert.ok(
      server.tokenRequests.some((q) => q.body.toString().includes(encodeURIComponent(spaced).replace(/%20/g, '+'))),
      'the spaced secret reached the token endpoint as it is',
    );
  });

  test('3. --auth-method basic: the base64 of client_id:secret a server quotes back appears nowhere', async () => {
    const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64')}`;
    const dir = await dirWith({
      'chains/basic.yaml': chain(
        'basic',
        step('da-echo-basic', '    id: echo\n'),
        '  creds: ${{ steps.echo.output.creds }}\n',
      ),
    });
    const secrets = [SECRET, `${CLIENT_ID}:${SECRET}`];
    // A token endpoint that refuses and quotes the Authorization header it got.
    server.token((req) => ({
      status: 401,
      body: JSON.stringify({
        error: 'invalid_client',
        error_description: `${'x'.repeat(440)} refused Authorization: ${String(req.headers.authorization)} (${req.body.toString()})`,
      }),
    }));
    for (const renderer of ['default', 'simple', 'json']) {
      const { r, texts } = await runAll(dir, `basic-401-${renderer}`, [
        'chains',
        '--auth-method',
        'basic',
        '--renderer',
        renderer,
      ]);
      assert.equal(r.code, 1, r.stderr);
      assertNoCrash(r, renderer);
      assert.match(texts.stdout + texts.stderr, /refused Authorization: Basic \*\*\*/);
      assertNoLeak(texts, secrets, `401 ${renderer}`);
    }
    assert.equal(server.tokenRequests[0]?.headers.authorization, basic, 'the credentials went as HTTP Basic');
    // A token endpoint that accepts, and an execute answer that echoes the credentials in base64 inside JSON.
    server.token((_req, issue) => issue());
    server.action('da-echo-basic', () => {
      const got = String(server.tokenRequests.at(-1)?.headers.authorization);
      const blob = Buffer.concat([randomBytes(7), Buffer.from(`${CLIENT_ID}:${SECRET}`), randomBytes(5)]);
      return {
        body: JSON.stringify({
          authorization: got,
          creds: got.replace(/^Basic /, ''),
          blob: blob.toString('base64'),
          url_safe: blob.toString('base64url'),
          nested: { deeper: [`prefix ${got.slice(6)} suffix`] },
        }),
      };
    });
    for (const renderer of ['default', 'simple', 'json']) {
      const { r, texts } = await runAll(
        dir,
        `basic-200-${renderer}`,
        ['chains', '--auth-method', 'basic', '--renderer', renderer],
        { payloads: true },
      );
      assert.equal(r.code, 0, r.stderr);
      assertNoLeak(texts, secrets, `200 ${renderer}`);
      assert.match(texts.audit, /"creds":"\*\*\*"/);
    }
  });

  test('4. a password in the user info of a URL a server quotes is not printed', async () => {
    const password = 'hunter2hunter2';
    const url = `https://user:${password}@host.example/api`;
    server.action('da-url', { status: 500, body: JSON.stringify({ message: `cannot reach ${url} (timeout)` }) });
    server.action('da-url-text', {
      status: 503,
      headers: { 'content-type': 'text/plain' },
      body: `proxy said: "${JSON.stringify(url).slice(1, -1).replace(/\//g, '\\/')}" and HTTP://admin:${password}@10.0.0.1:8080/`,
    });
    server.action('da-url-ok', { body: JSON.stringify({ link: url, links: [`see <${url}>`] }) });
    const dir = await dirWith({
      'chains/url.yaml': chain(
        'url',
        step('da-url', '    on_failure: continue\n') +
          step('da-url-text', '    on_failure: continue\n') +
          step('da-url-ok', '    id: ok\n'),
        '  link: ${{ steps.ok.output.link }}\n',
      ),
    });
    for (const renderer of ['default', 'simple', 'json']) {
      const { r, texts } = await runAll(dir, `url-${renderer}`, ['chains', '--renderer', renderer], { payloads: true });
      assert.equal(r.code, 0, r.stderr);
      assertNoCrash(r, renderer);
      assert.match(texts.stdout + texts.stderr, /cannot reach https:\/\/user:\*\*\*@host\.example/);
      assertNoLeak(texts, [password], `url ${renderer}`);
    }
  });

  test('5. workflow commands, ESC and NUL from a server start no line and drive no terminal; JSON outputs keep them exactly', async () => {
    const inject = `\n::error file=README.md,line=1::pwned\n::add-mask::x\n::stop-commands::tok\r\n  ::warning::indented\x1b[31mred\x1b]0;title\x07\x00nul\u0085nel\u2028ls\x9b2J`;
    const message = `boom${inject} end`;
    const field = `ok${inject} end`;
    server.action('da-inject-error', {
      status: 500,
      body: JSON.stringify({ message, code: `E${inject}`, contextId: `ctx${inject}` }),
    });
    server.action('da-inject-text', {
      status: 400,
      headers: { 'content-type': 'text/plain' },
      body: Buffer.from(message, 'utf8'),
    });
    server.action('da-inject-ok', { body: JSON.stringify({ text: field }) });
    // A 2xx answer that is not JSON: its preview is quoted in the step's error.
    server.action('da-inject-html', { headers: { 'content-type': 'text/html' }, body: `<p>${field}</p>` });
    const steps =
      step('da-inject-error', '    on_failure: continue\n') +
      step('da-inject-text', '    on_failure: continue\n') +
      step('da-inject-ok', '    id: ok\n') +
      step('da-inject-html', '    id: html\n    on_failure: continue\n');
    const dir = await dirWith({
      'chains/inject.yaml': chain('inject', steps, '  note: ${{ steps.ok.output.text }}\n'),
    });
    for (const renderer of ['default', 'simple', 'json']) {
      const { r, texts, files } = await runAll(dir, `inject-${renderer}`, ['chains', '--renderer', renderer], {
        payloads: true,
      });
      assert.equal(r.code, 0, r.stderr);
      assertNoCrash(r, renderer);
      const stdoutForeign = foreignCommands(r.stdout, [], ['chains/inject.yaml']);
      const stderrForeign = foreignCommands(r.stderr, server.tokens, ['chains/inject.yaml']);
      assert.deepEqual(stdoutForeign, [], `${renderer}: stdout`);
      assert.deepEqual(stderrForeign, [], `${renderer}: stderr`);
      for (const [name, text] of [
        ['stdout', r.stdout],
        ['stderr', r.stderr],
      ] as const) {
        assert.equal(text.includes('\x1b'), false, `${renderer}: ESC on ${name}`);
        assert.equal(text.includes('\x00'), false, `${renderer}: NUL on ${name}`);
        // JSON lines are data, valid JSON with C1 characters as they are; text for people has none.
        if (!(renderer === 'json' && name === 'stdout'))
          assert.equal(/[\u0080-\u009f\u2028]/.test(text), false, `${renderer}: a C1 or separator on ${name}`);
      }
      assert.match(r.stdout + r.stderr, /boom\\n::error file=README\.md/, 'the text is shown, escaped');
      assert.ok(
        (r.stdout + r.stderr).split('\n').some((l) => l.startsWith('::error file=chains/inject.yaml')),
        'cxchain annotates the failed step',
      );
      // JSON outputs carry the exact server text.
      const report = readJson(join(dir, files.report)).results[0] as ChainReport;
      const [first, second, ok, html] = report.aggregated_responses;
      assert.equal(first?.error?.server_message, message);
      assert.equal(second?.error?.server_message, message);
      assert.deepEqual(ok?.response_data, { text: field });
      assert.equal(html?.error?.kind, 'invalid_response');
      assert.equal(report.outputs.note, field);
      const audit = readAudit(join(dir, files.audit));
      const ends = audit.filter((e) => e.type === 'step_end').map((e) => e.result);
      assert.equal(ends[0]?.error?.server_message, message);
      assert.deepEqual(ends[2]?.response_data, { text: field });
      if (renderer === 'json') {
        const lines = r.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as AuditLine);
        assert.equal(lines.filter((e) => e.type === 'step_end')[0]?.result?.error?.server_message, message);
      }
      assert.ok(texts.summary.length > 0, 'the job summary was written');
    }
  });

  test('6. a chain file whose name holds a newline cannot start a line `::error::x`', async () => {
    const name = 'bad\n::error::x.yaml';
    const invalid = 'worse\n::error::y.yaml';
    const needsVar = 'needs\n::error::z.yaml';
    server.action('da-fail', { status: 500, body: '{"message":"no"}' });
    const dir = await dirWith({
      [`ok/${name}`]: chain('newline', step('da-fail')),
      [`bad/${invalid}`]: 'version: 1\nchain_id: worse\nsteps:\n  - action_id: da-echo\n    on_failure: maybe\n',
      [`vars/${needsVar}`]: chain('needs', step('da-echo', '    payload: { r: "${{ vars.REGION }}" }\n')),
    });
    const gh = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(dir, 'summary.md') };
    const calls: string[][] = [
      ['validate', 'ok'],
      ['validate', 'ok', '--format', 'github'],
      ['validate', 'ok', '--format', 'json'],
      ['validate', 'bad'],
      ['validate', 'bad', '--format', 'github'],
      ['validate', 'bad', '--format', 'json'],
      ['run', 'ok', '--renderer', 'simple'],
      ['run', 'ok', '--renderer', 'json'],
      ['run', 'ok', '--renderer', 'default', '--report', 'json=r.json', '--report', 'junit=r.xml'],
      ['run', 'bad'],
      ['run', 'vars'],
      ['list', 'ok'],
      ['list', 'ok', 'bad'],
    ];
    const files = [`ok/${name}`, `bad/${invalid}`, `vars/${needsVar}`];
    const check = (label: string, r: Spawned) => {
      assertNoCrash(r, label);
      for (const [stream, text] of [
        ['stdout', r.stdout],
        ['stderr', r.stderr],
      ] as const) {
        const bad = text.split('\n').filter((l) => /^\s*::error::[xyz]/.test(l));
        assert.deepEqual(bad, [], `${label}: ${stream} starts a line with the file name's second half`);
        // The annotation names the file as people are shown it (its newline escaped), a file GitHub cannot place.
        const named = files.flatMap((f) => [f, f.replace(/\n/g, '\\n')]);
        assert.deepEqual(foreignCommands(text, server.tokens, named), [], `${label} ${stream}`);
      }
    };
    for (const args of calls) {
      const r = await spawnCli(args, { cwd: dir, env: env(gh) });
      check(args.join(' '), r);
      if (args[0] === 'run' && args[1] === 'ok') assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      if (args[1] === 'bad' || args[1] === 'vars') assert.equal(r.code, 2, args.join(' '));
    }
    // watch says at start which chain cannot run, naming its file.
    const watched = await watchUntil(['watch', 'vars', 'bad'], { cwd: dir, env: env(gh) }, /Ctrl-C to quit/);
    assert.match(watched.stdout, /needs .*cannot run yet/, watched.stdout);
    check('watch', watched);
    assert.ok(server.received.length >= 3, 'the valid chain ran');
  });

  test("7. `| head -1`: the run goes on, every request is sent, reports and audit are complete, exit code is the chains' own", async () => {
    server.fallback(() => ({ body: '{"ok":true}', delayMs: 15 }));
    server.action('da-fail', { status: 500, body: '{"message":"no"}', delayMs: 15 });
    const many = Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [
        `all/c${i}.yaml`,
        chain(`c${i}`, step('da-a') + step('da-b') + step('da-c')),
      ]),
    );
    const dir = await dirWith({ ...many, 'all/fails.yaml': chain('fails', step('da-a') + step('da-fail')) });
    const headOne = async (args: string[]) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd: dir,
        env: { PATH: process.env.PATH, NO_COLOR: '1', ...env() },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      let first = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        first += d;
        if (first.includes('\n')) child.stdout.destroy();
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      clearTimeout(timer);
      return { code, stderr, first };
    };
    for (const [renderer, paths, expected] of [
      ['default', ['all/c0.yaml', 'all/c1.yaml', 'all/c2.yaml', 'all/c3.yaml', 'all/c4.yaml', 'all/c5.yaml'], 0],
      ['json', ['all'], 1],
      ['simple', ['all'], 1],
    ] as const) {
      server.received.length = 0;
      const tag = `head-${renderer}`;
      const r = await headOne([
        'run',
        ...paths,
        '--renderer',
        renderer,
        '--report',
        `json=${tag}.json`,
        '--report',
        `junit=${tag}.xml`,
        '--audit',
        `${tag}.jsonl`,
      ]);
      assert.equal(r.code, expected, `${renderer}: ${r.stderr}`);
      assert.equal(/internal error|EPIPE|stdout/i.test(r.stderr), false, r.stderr);
      assert.ok(r.first.length > 0, 'the first line came');
      const chains = paths.length === 1 ? 7 : 6;
      assert.equal(server.received.length, chains === 7 ? 6 * 3 + 2 : 6 * 3, `${renderer}: every request was sent`);
      const report = readJson(join(dir, `${tag}.json`));
      assert.equal(report.results.length, chains);
      assertXml(readFileSync(join(dir, `${tag}.xml`), 'utf8'), renderer);
      const audit = readAudit(join(dir, `${tag}.jsonl`));
      assert.equal(audit.at(-1)?.type, 'run_end');
      assertAuditCoversRequests(
        audit,
        server.received.map((q) => q.requestId),
        renderer,
      );
    }
  });

  test('8. stdout is /dev/full: exit 74, one line naming stdout and the full disk, reports complete', async () => {
    const dir = await dirWith({
      'chains/a.yaml': chain('a', step('da-a') + step('da-b')),
      'chains/b.yaml': chain('b', step('da-a')),
    });
    for (const renderer of ['default', 'json']) {
      const fd = openSync('/dev/full', 'w');
      let r: Spawned;
      try {
        r = await spawnCli(
          [
            'run',
            'chains',
            '--renderer',
            renderer,
            '--report',
            `json=full-${renderer}.json`,
            '--report',
            `junit=full-${renderer}.xml`,
            '--audit',
            `full-${renderer}.jsonl`,
          ],
          { cwd: dir, env: env(), stdoutFd: fd },
        );
      } finally {
        closeSync(fd);
      }
      assert.equal(r.code, 74, r.stderr);
      assertNoCrash(r, renderer);
      const told = r.stderr.split('\n').filter((l) => /stdout/.test(l));
      assert.equal(told.length, 1, `one line names stdout:\n${r.stderr}`);
      assert.match(told[0] as string, /no space/);
      const report = readJson(join(dir, `full-${renderer}.json`));
      assert.deepEqual(report.results.map((c) => c.chain_id).sort(), ['a', 'b']);
      assertXml(readFileSync(join(dir, `full-${renderer}.xml`), 'utf8'), renderer);
      assert.equal(readAudit(join(dir, `full-${renderer}.jsonl`)).at(-1)?.type, 'run_end');
    }
  });

  test('9. --audit /dev/full: exit 74, one line naming it; --report json=/dev/full is refused and /dev/full stays a device', async () => {
    const dir = await dirWith({ 'chains/a.yaml': chain('a', step('da-a') + step('da-b')) });
    const r = await spawnCli(
      ['run', 'chains', '--audit', '/dev/full', '--report', 'json=r.json', '--report', 'junit=r.xml'],
      { cwd: dir, env: env() },
    );
    assert.equal(r.code, 74, r.stderr);
    assertNoCrash(r, 'audit');
    const told = r.stderr.split('\n').filter((l) => l.includes('/dev/full'));
    assert.equal(told.length, 1, r.stderr);
    assert.match(told[0] as string, /no space left/);
    assert.equal(readJson(join(dir, 'r.json')).results.length, 1);
    assertXml(readFileSync(join(dir, 'r.xml'), 'utf8'), 'junit');
    assert.equal(server.received.length, 0, 'no request leaves unrecorded');
    for (const flag of ['json=/dev/full', 'junit=/dev/full']) {
      const refused = await spawnCli(['run', 'chains', '--report', flag], { cwd: dir, env: env() });
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /\/dev\/full/);
      assertNoCrash(refused, flag);
      assert.ok(statSync('/dev/full').isCharacterDevice(), `${flag} replaced /dev/full`);
    }
    assert.equal(server.received.length, 0);
    assert.equal(existsSync(`/dev/.full.${process.pid}.tmp`), false);
  });

  test('10. a report or audit path under /proc: exit 2 within 5 s, one line naming the file', async () => {
    const dir = await dirWith({ 'chains/a.yaml': chain('a', step('da-a')) });
    for (const args of [
      ['--report', 'json=/proc/cxchain-x/r.json'],
      ['--report', 'junit=/proc/cxchain-x/r.xml'],
      ['--report', 'html=/proc/cxchain-x/r.html'],
      ['--report', 'json=/proc/self/x.json'],
      ['--audit', '/proc/cxchain-x/a.jsonl'],
      ['--audit', '/proc/self/x.json'],
    ]) {
      const file = (args[1] as string).replace(/^\w+=/, '');
      const r = await spawnCli(['run', 'chains', ...args], { cwd: dir, env: env(), timeoutMs: 5000 });
      assert.equal(r.signal, null, `${args.join(' ')} hung`);
      assert.ok(r.ms < 5000, `${args.join(' ')} took ${r.ms} ms`);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assertNoCrash(r, args.join(' '));
      const told = r.stderr.split('\n').filter((l) => l.includes(file));
      assert.equal(told.length, 1, r.stderr);
    }
    assert.equal(server.received.length + server.tokenRequests.length, 0);
  });

  test("11. a job summary that cannot be written is only a warning; the exit code is the chains' own", async () => {
    server.action('da-fail', { status: 500, body: '{"message":"no"}' });
    const dir = await dirWith({
      'ok/a.yaml': chain('a', step('da-a')),
      'fails/b.yaml': chain('b', step('da-fail')),
      'summary-dir/keep': '',
    });
    for (const summary of [join(dir, 'summary-dir'), join(dir, 'missing', 'dir', 'summary.md')])
      for (const [path, expected] of [
        ['ok', 0],
        ['fails', 1],
      ] as const) {
        const r = await spawnCli(['run', path, '--report', 'json=r.json'], {
          cwd: dir,
          env: env({ GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary }),
        });
        assert.equal(r.code, expected, r.stderr);
        assertNoCrash(r, summary);
        assert.match(r.stderr, /^warning: the job summary was not written: cannot write .*$/m);
        assert.equal(r.stderr.split('\n').filter((l) => l.includes(summary)).length, 1, r.stderr);
        assert.equal(readJson(join(dir, 'r.json')).results.length, 1);
      }
  });

  test('12. reports are atomic and the audit is whole under kill -9 at random moments', async () => {
    const seed = 0x5eed12;
    const random = prng(seed);
    const chains = (iteration: number) =>
      Object.fromEntries(
        Array.from({ length: 8 }, (_, i) => [
          `chains/c${i}.yaml`,
          chain(
            `c${i}`,
            step(`slow-${iteration}-${i}-a`) + step(`slow-${iteration}-${i}-b`) + step(`slow-${iteration}-${i}-c`),
          ),
        ]),
      );
    server.fallback((q) => ({ body: JSON.stringify({ ok: q.actionId }), delayMs: 30 + (q.body.length % 40) }));
    const dir = await dirWith(chains(0));
    const args = ['run', 'chains', '--report', 'json=r.json', '--report', 'junit=r.xml'];
    const first = await spawnCli([...args, '--audit', 'a0.jsonl'], { cwd: dir, env: env() });
    assert.equal(first.code, 0, first.stderr);
    let previousJson = readFileSync(join(dir, 'r.json'));
    let previousXml = readFileSync(join(dir, 'r.xml'));
    const outcomes = { killed: 0, completed: 0, replaced: 0 };
    for (let iteration = 1; iteration <= 15; iteration++) {
      for (const [file, text] of Object.entries(chains(iteration))) await writeFile(join(dir, file), text);
      const killAt = Math.floor(random() * 1500);
      const audit = `a${iteration}.jsonl`;
      const child = spawn(process.execPath, [CLI, ...args, '--audit', audit], {
        cwd: dir,
        env: { PATH: process.env.PATH, NO_COLOR: '1', ...env() },
        stdio: ['ignore', 'ignore', 'ignore'],
      });
      const killer = setTimeout(() => child.kill('SIGKILL'), killAt);
      const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.on('close', (c, s) => resolve({ code: c, signal: s })),
      );
      clearTimeout(killer);
      if (signal === 'SIGKILL') outcomes.killed++;
      else {
        assert.equal(code, 0, `iteration ${iteration} (seed ${seed})`);
        outcomes.completed++;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      const what = `iteration ${iteration}, killed at ${killAt} ms (seed ${seed})`;
      const json = readFileSync(join(dir, 'r.json'));
      const xml = readFileSync(join(dir, 'r.xml'));
      if (!json.equals(previousJson)) {
        const report = JSON.parse(json.toString('utf8')) as { results: ChainReport[] };
        assert.equal(report.results.length, 8, what);
        outcomes.replaced++;
        previousJson = json;
      }
      if (!xml.equals(previousXml)) {
        assertXml(xml.toString('utf8'), what);
        assert.equal(xml.toString('utf8').match(/<testsuite /g)?.length, 8, what);
        previousXml = xml;
      }
      const received = server.received.filter((q) => q.actionId.startsWith(`slow-${iteration}-`));
      if (!existsSync(join(dir, audit))) {
        assert.equal(received.length, 0, `${what}: requests but no audit`);
        continue;
      }
      const text = readFileSync(join(dir, audit), 'utf8');
      assert.ok(text === '' || text.endsWith('\n'), `${what}: the audit ends with a whole line`);
      const lines = readAudit(join(dir, audit));
      const recorded = new Set(lines.filter((e) => e.type === 'request').map((e) => e.request_id));
      for (const q of received) assert.ok(recorded.has(q.requestId), `${what}: ${q.requestId} unrecorded`);
    }
    assert.ok(outcomes.killed > 0 && outcomes.completed > 0, JSON.stringify(outcomes));
  });

  test('13. output and connection flags that cannot work: exit 2, a clear message, nothing sent', async () => {
    const dir = await dirWith({ 'chains/a.yaml': chain('a', step('da-a')) });
    const password = 'pa55w0rd-sekrit';
    for (const [args, message] of [
      [['--audit', ''], /--audit needs a file name/],
      [['--audit', '  '], /--audit needs a file name/],
      [['--report', 'json='], /--report json= needs a file name/],
      [['--report', 'junit='], /--report junit= needs a file name/],
      [['--audit', 'x.out', '--report', 'json=x.out'], /name the same file/],
      [['--audit', 'x.out', '--report', 'json=./x.out'], /name the same file/],
      [['--report', 'json=a.json', '--report', 'junit=a.json'], /name the same file/],
      [['--report', 'json=a.json', '--report', 'json=b.json'], /--report json= is given twice \(a\.json and b\.json\)/],
      [['--report', 'xml=a.xml'], /expected json=FILE, junit=FILE or html=FILE/],
      [['--report', 'html='], /--report html= needs a file name/],
      [['--report', 'json=a.json', '--report', 'html=a.json'], /name the same file/],
      [['--base-url', 'http://127.0.0.1:1/?x=1'], /--base-url \/ CXONE_BASE_URL: .* has a query/],
      [['--base-url', 'http://127.0.0.1:1/#frag'], /--base-url \/ CXONE_BASE_URL: .* has a fragment/],
      [['--base-url', `http://qa:${password}@127.0.0.1:1/`], /carries credentials in the URL/],
      [['--token-url', `http://qa:${password}@127.0.0.1:1/oauth/token`], /carries credentials in the URL/],
    ] as const) {
      const r = await spawnCli(['run', 'chains', ...args], { cwd: dir, env: env() });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.equal(r.stderr.includes(password), false, 'the password is not echoed');
      assertNoCrash(r, args.join(' '));
    }
    assert.equal(server.received.length + server.tokenRequests.length, 0, 'nothing was sent');
    assert.equal(existsSync(join(dir, 'a.json')) || existsSync(join(dir, 'x.out')), false, 'nothing was written');
  });

  test('14. watch with an --audit that cannot be opened: exit 2, the same message as run, no stack', async () => {
    const dir = await dirWith({ 'chains/a.yaml': chain('a', step('da-a')), 'audit-dir/keep': '' });
    const run = await spawnCli(['run', 'chains', '--audit', 'audit-dir'], { cwd: dir, env: env() });
    const watch = await spawnCli(['watch', 'chains', '--audit', 'audit-dir'], {
      cwd: dir,
      env: env(),
      timeoutMs: 10_000,
    });
    for (const r of [run, watch]) {
      assert.equal(r.code, 2, r.stderr);
      assertNoCrash(r, 'watch');
    }
    const line = (r: Spawned) => r.stderr.split('\n').find((l) => l.includes('audit-dir'));
    assert.match(line(run) ?? '', /--audit audit-dir: cannot open the file for appending \(EISDIR\)/);
    assert.equal(line(watch), line(run));
    assert.equal(server.received.length, 0);
  });

  test('15. without a terminal, failed and passed steps are lines of one format on stdout; validate prints diagnostics on stdout', async () => {
    server.action('da-fail', { status: 500, body: '{"message":"it broke"}' });
    const dir = await dirWith({
      'chains/mixed.yaml': chain(
        'mixed',
        step('da-ok') + step('da-fail', '    on_failure: continue\n') + step('da-ok', '    id: last\n'),
      ),
      'invalid/bad.yaml': 'version: 1\nchain_id: bad\nsteps:\n  - action_id: da-echo\n    on_failure: maybe\n',
    });
    const format = /^(✔|✖|⚠|↓) (\S+) — (.+)$/;
    for (const renderer of ['default', 'simple']) {
      const r = await spawnCli(['run', 'chains', '--renderer', renderer], { cwd: dir, env: env() });
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n');
      const passed = lines.find((l) => l.startsWith('✔ da-ok'));
      const failed = lines.find((l) => l.startsWith('✖ da-fail'));
      assert.match(passed ?? '', format, r.stdout);
      assert.match(passed ?? '', /— passed \(200, /);
      assert.match(failed ?? '', format, r.stdout);
      assert.match(failed ?? '', /— failed after 1 attempt \(.*\): \[POST\] da-fail: 500 .*it broke/);
      assert.equal(/da-fail|da-ok/.test(r.stderr), false, `nothing of the steps on stderr: ${r.stderr}`);
    }
    const v = await spawnCli(['validate', 'invalid'], { cwd: dir, env: {} });
    assert.equal(v.code, 2);
    assert.match(v.stdout, /invalid\/bad\.yaml:5:17 +error/);
    assert.equal(v.stderr, '');
  });

  test('16. env.* in a payload is a load-time error; a missing secrets.* after a first step stops the run before any request', async () => {
    const dir = await dirWith({
      'env/env.yaml': chain('env', step('da-a', '    payload: { t: "${{ env.GITHUB_TOKEN }}" }\n')),
      'secret/secret.yaml': chain(
        'secret',
        step('da-first') + step('da-second', '    payload: { k: "${{ secrets.MISSING }}" }\n'),
      ),
    });
    const token = 'ghp_qaTokenValue1234567890';
    const e = await spawnCli(['run', 'env'], { cwd: dir, env: env({ GITHUB_TOKEN: token }) });
    assert.equal(e.code, 2, e.stderr);
    assert.match(e.stderr, /env\/env\.yaml:\d+:\d+ .*vars\.GITHUB_TOKEN.*\[chain\.env_reference\]/);
    assert.equal(e.stderr.includes(token), false);
    const v = await spawnCli(['validate', 'env'], { cwd: dir, env: {} });
    assert.equal(v.code, 2);
    assert.match(v.stdout, /chain\.env_reference/);
    const s = await spawnCli(['run', 'secret'], { cwd: dir, env: env() });
    assert.equal(s.code, 2, s.stderr);
    assert.match(s.stderr, /CXCHAIN_SECRET_MISSING is not set \(used by secrets\.MISSING in secret\/secret\.yaml\)/);
    assert.equal(server.received.length, 0, 'no execute request');
    assert.equal(server.tokenRequests.length, 0, 'no token request');
  });

  test('17. an access token that would start lines or drive a terminal is refused; one with `%` is masked exactly', async () => {
    const dir = await dirWith({ 'chains/a.yaml': chain('a', step('da-a')) });
    const gh = (tag: string) => ({ GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(dir, `${tag}.md`) });
    const hostile = `tok-${randomBytes(8).toString('hex')}\n::error file=README.md,line=1::pwned\r\n\x1b[31mred\x00`;
    server.token(() => ({ body: JSON.stringify({ access_token: hostile, expires_in: 3600 }) }));
    for (const renderer of ['simple', 'json']) {
      const r = await spawnCli(['run', 'chains', '--renderer', renderer], { cwd: dir, env: env(gh(renderer)) });
      assert.equal(r.code, 1, r.stderr);
      assertNoCrash(r, renderer);
      assert.deepEqual(foreignCommands(r.stdout, [], ['chains/a.yaml']), [], `${renderer} stdout`);
      assert.deepEqual(foreignCommands(r.stderr, [], ['chains/a.yaml']), [], `${renderer} stderr`);
      assert.equal(
        /\0/.test(r.stdout + r.stderr) || (r.stdout + r.stderr).includes('\u001b'),
        false,
        'no raw ESC or NUL',
      );
      assert.match(r.stdout + r.stderr, /the access_token holds control or non-ASCII characters/);
    }
    assert.equal(server.received.length, 0, 'the token was never sent');
    const percent = `tok-${randomBytes(8).toString('hex')}%0A%25x`;
    server.token(() => ({ body: JSON.stringify({ access_token: percent, expires_in: 3600 }) }));
    const r = await spawnCli(['run', 'chains', '--renderer', 'simple'], { cwd: dir, env: env(gh('percent')) });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.split('\n').includes(`::add-mask::${percent.replace(/%/g, '%25')}`), r.stderr);
    assert.deepEqual(foreignCommands(r.stderr, [percent], ['chains/a.yaml']), []);
  });
});
