import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { tempDir } from './helpers.js';
import {
  connectionEnv,
  findLeak,
  foreignCommands,
  hostileServer,
  leakWindows,
  prng,
  spawnCli,
  type HostileServer,
  type Received,
  type Reply,
} from './hostile-server.js';

/**
 * Seeded fuzz of what a tenant can answer (issue 11): random statuses, Retry-After values and
 * bodies (deep, huge, not UTF-8, control characters, lone surrogates, JSON or not, empty), with
 * the client secret, the access token and HTTP Basic's `id:secret` spliced in, in random
 * spellings, at random offsets. After every run of the real CLI the invariants of SPEC 4-6 must
 * hold. `CXCHAIN_FUZZ_SEED=<n>` replays or explores another seed.
 */

const SEED = Number(process.env.CXCHAIN_FUZZ_SEED ?? 0xfa11ed);
const RUNS = Number(process.env.CXCHAIN_FUZZ_RUNS ?? 150);
const PARALLEL = 6;
const CLIENT_ID = 'fzid';

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const int = (random: Random, max: number) => Math.floor(random() * (max + 1));

/** A number from a text, so each (run, action, attempt) draws the same answer whatever the timing. */
function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The spellings a secret may come back in (SPEC 6), as a server would write them. */
const ENCODINGS: readonly ((value: string, random: Random) => string)[] = [
  (v) => v,
  (v) => JSON.stringify(v).slice(1, -1),
  (v) => encodeURIComponent(v),
  (v) => new URLSearchParams({ v }).toString().slice(2),
  (v) => Buffer.from(v).toString('base64'),
  (v) => Buffer.from(v).toString('base64url'),
  // Inside a longer blob, at any of the three alignments.
  (v, r) => Buffer.concat([filler(r, int(r, 5)), Buffer.from(v), filler(r, int(r, 9))]).toString('base64'),
  (v, r) => `Basic ${Buffer.concat([filler(r, int(r, 2)), Buffer.from(v)]).toString('base64url')}`,
  // Cut into pieces too short to recognise by characters an output might drop (XML forbids them).
  (v, r) => (v.match(/[^]{1,3}/g) ?? []).join(pick(r, ['\u0000', '\b', '\uFFFE', '\uD800'])),
];

function filler(random: Random, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => int(random, 255)));
}

/** Pieces of text a hostile answer is made of. */
const PIECES = [
  'error',
  'message',
  ' ',
  '  ',
  '\t',
  '\n',
  '\r\n',
  '\n::error file=README.md,line=1::pwned',
  '\n::add-mask::x',
  '\n::stop-commands::tok\n',
  '\n  ::warning::indented',
  '\x1b[31m',
  '\x1b]0;title\x07',
  '\x00',
  '\x7f',
  '\u0085',
  '\u009b2J',
  '\u2028',
  '\u202e',
  '"',
  '\\',
  '<tag>',
  '&amp;',
  '%0A',
  'é',
  '💥',
  '${{ secrets.X }}',
  'https://user:pw@',
];

function text(random: Random, pieces: number): string {
  let out = '';
  for (let i = 0; i < pieces; i++) out += random() < 0.5 ? pick(random, PIECES) : random().toString(36).slice(2);
  return out;
}

interface Secrets {
  secret: string;
  token: string;
}

/**
 * The text with up to three secrets spliced in, each at a random offset of the text itself (never
 * inside another spliced secret: a secret cut in two by other text is no spelling of it).
 */
function spliceSecrets(random: Random, base: string, secrets: Secrets, encode = (s: string) => s): string {
  const at = Array.from({ length: int(random, 3) }, () => int(random, base.length)).sort((a, b) => a - b);
  let out = '';
  let from = 0;
  for (const offset of at) {
    const value = pick(random, [secrets.secret, secrets.token, `${CLIENT_ID}:${secrets.secret}`]);
    out += base.slice(from, offset) + encode(pick(random, ENCODINGS)(value, random));
    from = offset;
  }
  return out + base.slice(from);
}

function deep(random: Random, depth: number, leaf: string): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    if (random() < 0.5) {
      open += '[';
      close = `]${close}`;
    } else {
      open += '{"k":';
      close = `}${close}`;
    }
  }
  return `${open}${JSON.stringify(leaf)}${close}`;
}

const RETRY_AFTER = ['0', '0', '-1', '0.5', '+0', 'soon', '', '0, 0', 'Wed, 21 Oct 2015 07:28:00 GMT', '1'];

/** A random answer: status, headers and body. */
function answer(random: Random, secrets: Secrets): Reply {
  const roll = random();
  const status =
    roll < 0.45
      ? 200
      : roll < 0.6
        ? pick(random, [400, 401, 403, 404, 409, 422])
        : roll < 0.8
          ? pick(random, [500, 502, 503, 504])
          : roll < 0.92
            ? 429
            : pick(random, [201, 204, 299, 302, 418]);
  const headers: Record<string, string> = {
    'content-type': pick(random, [
      'application/json',
      'text/plain',
      'text/html; charset=utf-8',
      'application/octet-stream',
    ]),
  };
  if (status === 429 && random() < 0.8) headers['retry-after'] = pick(random, RETRY_AFTER);
  // Header text is server text too: a redirect's Location and the reason phrase are quoted in errors.
  const headerText = () => spliceSecrets(random, text(random, 3), secrets).replace(/[^\x20-\x7e]/g, '');
  if (status >= 300 && status < 400) headers.location = `https://user:pw${headerText()}@example.com/${headerText()}`;
  const statusText = random() < 0.2 ? headerText() : undefined;
  const said = () => spliceSecrets(random, text(random, 1 + int(random, 12)), secrets);
  /** Text and secrets as they are written inside a JSON string. */
  const plain = () =>
    spliceSecrets(random, text(random, 4).replace(/[^\w ]/g, ''), secrets, (v) => JSON.stringify(v).slice(1, -1));
  let body: string | Buffer;
  switch (int(random, 9)) {
    case 0:
      body = '';
      break;
    case 1:
      body = JSON.stringify({ message: said(), code: said(), contextId: said() });
      break;
    case 2:
      body = JSON.stringify({ v: said(), n: int(random, 1e6), list: [said(), null, true] });
      break;
    case 3:
      body = deep(random, int(random, 3000), said());
      break;
    case 4: {
      // Big: up to 2 MiB, the secret somewhere inside it (rarely, to keep the run fast).
      const size = random() < 0.25 ? int(random, 2 * 1024 * 1024) : int(random, 4096);
      const big = spliceSecrets(random, 'x'.repeat(size), secrets);
      body = random() < 0.5 ? JSON.stringify({ message: big, v: big }) : big;
      break;
    }
    case 5: {
      // Not UTF-8: stray continuation bytes, overlong forms, an encoded lone surrogate, 0xFF.
      const bad = pick(random, [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xc0, 0xaf], [0x80]]);
      const parts = [Buffer.from(`{"message":"${said()}`), Buffer.from(bad), Buffer.from(`${said()}"}`)];
      body = Buffer.concat(random() < 0.5 ? parts : parts.slice(1));
      break;
    }
    case 6:
      // Lone surrogates and control characters as JSON escapes: valid JSON, strange strings.
      body = `{"message":"${plain()}\\ud800\\u0000\\u001b[2J\\udfff","v":"\\ud83d${plain()}"}`;
      break;
    case 7:
      // Raw control bytes inside a JSON string: not JSON any more.
      body = `{"message":"${said()}\u0000\u001b\n"}`;
      break;
    default:
      body = said();
  }
  return { status, headers, body, ...(statusText !== undefined ? { statusText } : {}) };
}

interface RunProblem {
  run: number;
  kind: 'crash' | 'leak' | 'invariant';
  detail: string;
}

describe(`fuzz: random answers from a real server (seed ${SEED})`, () => {
  let server: HostileServer;
  /** The tokens the token endpoint handed out, and how often it was asked, by run. */
  const issued = new Map<number, string[]>();
  const tokenAsks = new Map<number, number>();
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    server = await hostileServer();
    ({ dir, cleanup } = await tempDir());
    // Each action id names its run; each attempt at it draws its own answer.
    const attempts = new Map<string, number>();
    server.fallback((q: Received) => {
      const n = (attempts.get(q.actionId) ?? 0) + 1;
      attempts.set(q.actionId, n);
      const run = Number(/^fz(\d+)-/.exec(q.actionId)?.[1]);
      const token = String(q.headers.authorization ?? '').replace(/^Bearer /, '');
      return answer(prng(hash(`${SEED}/${q.actionId}/${n}`)), { secret: secretOf(run), token });
    });
    // Now and then the token endpoint fails first, quoting what it got, or hands out a strange token.
    const runOfSecret = new Map(Array.from({ length: RUNS }, (_, run) => [secretOf(run), run]));
    server.token((q, issue) => {
      const basic = /^Basic (.*)$/.exec(String(q.headers.authorization ?? ''))?.[1];
      const secret =
        new URLSearchParams(q.body.toString()).get('client_secret') ??
        Buffer.from(basic ?? '', 'base64')
          .toString()
          .replace(/^[^:]*:/, '');
      const run = runOfSecret.get(secret) ?? -1;
      const random = prng(hash(`${SEED}/token/${run}/${tokenAsks.get(run) ?? 0}`));
      tokenAsks.set(run, (tokenAsks.get(run) ?? 0) + 1);
      const roll = random();
      if (roll < 0.85) {
        const reply = issue();
        issued.set(run, [...(issued.get(run) ?? []), server.tokens.at(-1) as string]);
        return reply;
      }
      if (roll < 0.93)
        return {
          status: pick(random, [400, 401, 429, 500, 503]),
          body: JSON.stringify({
            error: 'invalid_client',
            error_description: `${text(random, 3)} got ${q.body.toString()} ${String(q.headers.authorization)} ${text(random, 3)}`,
          }),
        };
      // Random letters around the strange part, so every piece of the token is its own.
      const r = () => random().toString(36).slice(2, 12).padEnd(10, '0');
      const token = pick(random, [
        `tok-${r()}\n::${r()}\r\n${r()}\t${r()}`,
        `tok-${r()}%0A%25${r()}`,
        `tok-${r()}é${r()}`,
        `tok-${Array.from({ length: 2000 }, r).join('')}`,
      ]);
      issued.set(run, [...(issued.get(run) ?? []), token]);
      return { body: JSON.stringify({ access_token: token, expires_in: pick(random, [3600, 0, -5, 'soon']) }) };
    });
  });
  after(async () => {
    await server.close();
    await cleanup();
  });

  /** The client secret of run `run`: every spelling differs from the secret itself. */
  const secretOf = (run: number) =>
    `Fz/${hash(`${SEED}/secret/${run}`).toString(36)}+${run}q"<${hash(`${SEED}/more/${run}`).toString(36)}&`;

  test(`${RUNS} runs: exit 0 or 1, no internal error, no piece of a secret, no foreign workflow command, whole reports and audit`, async () => {
    const problems: RunProblem[] = [];
    const stats = { runs: 0, exit0: 0, exit1: 0, leaks: 0, crashes: 0, requests: 0 };
    const started = performance.now();
    const timings: [number, number][] = [];

    const one = async (run: number) => {
      const random = prng(hash(`${SEED}/run/${run}`));
      const secret = secretOf(run);
      const chains: Record<string, string> = {};
      const files: string[] = [];
      for (let c = 0, n = 1 + int(random, 2); c < n; c++) {
        const steps = Array.from({ length: 1 + int(random, 2) }, (_, s) => {
          const extra = [
            random() < 0.6 ? '    on_failure: continue\n' : '',
            random() < 0.3 ? '    idempotent: true\n' : '',
          ].join('');
          return `  - id: s${s}\n    action_id: fz${run}-c${c}-s${s}\n    payload: { n: ${s} }\n${extra}`;
        }).join('');
        const file = `r${run}/c${c}.yaml`;
        files.push(file);
        chains[file] =
          `version: 1\nchain_id: fz${run}-c${c}\ndefaults:\n  retry: { max_attempts: 2, initial_delay_ms: 1, max_delay_ms: 5 }\nsteps:\n${steps}` +
          (random() < 0.5 ? 'outputs:\n  v: ${{ steps.s0.output.v }}\n' : '');
      }
      await mkdir(join(dir, `r${run}`), { recursive: true });
      for (const [file, content] of Object.entries(chains)) await writeFile(join(dir, file), content);
      const renderer = pick(random, ['default', 'simple', 'json']);
      const basic = random() < 0.3;
      const out = `r${run}/out`;
      const r = await spawnCli(
        [
          'run',
          `r${run}`,
          '--renderer',
          renderer,
          ...(basic ? ['--auth-method', 'basic'] : []),
          '--report',
          `json=${out}.json`,
          '--report',
          `junit=${out}.xml`,
          '--audit',
          `${out}.jsonl`,
          '--audit-payloads',
        ],
        {
          cwd: dir,
          env: {
            ...connectionEnv(server, CLIENT_ID, secret),
            GITHUB_ACTIONS: 'true',
            GITHUB_STEP_SUMMARY: join(dir, `${out}.md`),
          },
          timeoutMs: 40_000,
        },
      );
      stats.runs++;
      timings.push([r.ms, run]);
      const problem = (kind: RunProblem['kind'], detail: string) => problems.push({ run, kind, detail });
      const crashed =
        r.signal !== null ||
        (r.code !== 0 && r.code !== 1) ||
        /internal error/i.test(r.stdout + r.stderr) ||
        /^\s+at .+[:(]\d+/m.test(r.stderr);
      if (crashed) {
        stats.crashes++;
        problem('crash', `exit ${r.code} ${r.signal ?? ''}: ${r.stderr.slice(0, 2000)}`);
        return;
      }
      if (r.code === 0) stats.exit0++;
      else stats.exit1++;
      const read = async (file: string) => readFile(join(dir, file), 'utf8').catch(() => undefined);
      const texts: Record<string, string | undefined> = {
        stdout: r.stdout,
        stderr: r.stderr
          .split('\n')
          .filter((l) => !l.startsWith('::add-mask::'))
          .join('\n'),
        report: await read(`${out}.json`),
        junit: await read(`${out}.xml`),
        audit: await read(`${out}.jsonl`),
        summary: await read(`${out}.md`),
      };
      const received = server.received.filter((q) => q.actionId.startsWith(`fz${run}-`));
      // The tokens this run was given (all runs share the server).
      const tokens = [...new Set(issued.get(run) ?? [])].filter((t) => t.length >= 8);
      const windows = leakWindows([secret, `${CLIENT_ID}:${secret}`, ...tokens]);
      let leaked = false;
      for (const [name, content] of Object.entries(texts)) {
        if (content === undefined) {
          problem('invariant', `${name} was not written`);
          continue;
        }
        const leak = findLeak(content, windows);
        if (leak) {
          leaked = true;
          problem('leak', `${name}: ${leak}`);
        }
      }
      if (leaked) stats.leaks++;
      const foreign = [...foreignCommands(r.stdout, [], files), ...foreignCommands(r.stderr, tokens, files)];
      if (foreign.length) problem('invariant', `workflow commands cxchain did not write: ${JSON.stringify(foreign)}`);
      if ((r.stdout + r.stderr).includes('\0') || (r.stdout + r.stderr).includes('\u001b'))
        problem('invariant', 'a raw NUL or ESC on stdout/stderr');
      try {
        const report = JSON.parse(texts.report ?? '') as { results: unknown[] };
        if (report.results.length !== files.length) problem('invariant', `report has ${report.results.length} results`);
      } catch (error) {
        problem('invariant', `report does not parse: ${String(error)}`);
      }
      if (XMLValidator.validate(texts.junit ?? '') !== true) problem('invariant', 'JUnit is not well-formed');
      const recorded = new Set<string>();
      for (const line of (texts.audit ?? '').split('\n').filter(Boolean)) {
        try {
          const event = JSON.parse(line) as { type: string; request_id?: string };
          if (event.type === 'request' && event.request_id) recorded.add(event.request_id);
        } catch {
          problem('invariant', `an audit line does not parse: ${line.slice(0, 200)}`);
        }
      }
      if (renderer === 'json')
        for (const line of r.stdout.split('\n').filter(Boolean))
          try {
            JSON.parse(line);
          } catch {
            problem('invariant', `a JSON line does not parse: ${line.slice(0, 200)}`);
          }
      stats.requests += received.length;
      for (const q of received)
        if (!recorded.has(q.requestId)) problem('invariant', `request ${q.requestId} (${q.actionId}) not in the audit`);
    };

    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        for (let run = next++; run < RUNS; run = next++) await one(run);
      }),
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `fuzz-answers: seed ${SEED} (0x${SEED.toString(16)}): ${stats.runs} runs in ${seconds} s, ${stats.requests} requests, ` +
        `exit 0/1: ${stats.exit0}/${stats.exit1}; leaks: ${stats.leaks}; crashes: ${stats.crashes}; other problems: ${problems.filter((p) => p.kind === 'invariant').length}`,
    );
    console.log(
      `fuzz-answers: slowest runs: ${timings
        .sort((a, b) => b[0] - a[0])
        .slice(0, 5)
        .map(([ms, run]) => `${run} (${Math.round(ms)} ms)`)
        .join(', ')}`,
    );
    assert.equal(stats.runs, RUNS);
    assert.ok(stats.exit0 > 0 && stats.exit1 > 0, 'the answers both pass and fail chains');
    assert.deepEqual(
      problems.slice(0, 5).map((p) => `run ${p.run} (seed ${SEED}): ${p.kind}: ${p.detail}`),
      [],
      `${problems.length} problems`,
    );
  });
});
