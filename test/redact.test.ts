import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { prng } from './helpers.js';
import { neutralize, neutralizeValue } from '../src/report/neutralize.js';
import { createRedactor, isTooShortToRedact, MIN_SECRET_LENGTH, REDACTED } from '../src/report/redact.js';

/** Every run of `size` consecutive characters of `secret` that appears in `text`. */
function leakedRuns(text: string, secret: string, size = MIN_SECRET_LENGTH): string[] {
  const runs: string[] = [];
  for (let i = 0; i + size <= secret.length; i++) {
    const run = secret.slice(i, i + size);
    if (text.includes(run)) runs.push(run);
  }
  return runs;
}

const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
const b64url = (text: string | Buffer) => Buffer.from(text).toString('base64url');

describe('redaction: every spelling of a secret (SPEC 6)', () => {
  // Characters that every encoding changes: JSON, URL, form, XML, and bytes outside ASCII.
  const secret = `cs:7H/q2 leak+canary&"x\\y'<é>`;
  const json1 = JSON.stringify(secret).slice(1, -1);
  const xml = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const spellings: Record<string, string> = {
    'as is': secret,
    'JSON-escaped once': json1,
    'JSON-escaped twice': JSON.stringify(json1).slice(1, -1),
    'JSON-escaped, PHP style': json1.replace(/\//g, '\\/').replace(/é/g, '\\u00e9'),
    'URL-encoded': encodeURIComponent(secret),
    'URL-encoded, lower-case hex': encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
    'form-encoded': new URLSearchParams({ s: secret }).toString().slice(2),
    'URL-encoded JSON-escaped': encodeURIComponent(json1),
    'form-encoded JSON-escaped': new URLSearchParams({ s: json1 }).toString().slice(2),
    'XML-escaped': xml(secret),
    'XML-escaped with &apos;': xml(secret).replace(/'/g, '&apos;'),
    base64: b64(secret),
    'base64 unpadded': b64(secret).replace(/=+$/, ''),
    'base64url padded': b64url(secret) + '='.repeat((4 - (b64url(secret).length % 4)) % 4),
    base64url: b64url(secret),
  };
  const redactor = createRedactor([secret]);
  for (const [name, spelling] of Object.entries(spellings))
    test(name, () => {
      assert.notEqual(spelling, '', name);
      assert.equal(redactor.text(`before ${spelling} after`), `before ${REDACTED} after`);
    });

  test('keys and values, as data and as JSON; the JSON stays valid', () => {
    const data = { [secret]: [secret, { nested: `token ${secret}.` }], n: 12345678 };
    assert.deepEqual(redactor.value(data), { [REDACTED]: [REDACTED, { nested: `token ${REDACTED}.` }], n: 12345678 });
    assert.deepEqual(JSON.parse(redactor.json(data)), redactor.value(data));
  });

  test('two secrets that overlap in the text are both hidden whole', () => {
    const r = createRedactor(['alpha-beta-gamma', 'gamma-delta-eps']);
    assert.equal(r.text('<alpha-beta-gamma-delta-eps>'), `<${REDACTED}>`);
  });

  test('a secret added later is redacted from then on; tokens are', () => {
    const r = createRedactor();
    assert.equal(r.text('Bearer eyJ0eXAiOi.abc'), 'Bearer eyJ0eXAiOi.abc');
    r.add(undefined, 'eyJ0eXAiOi.abc');
    assert.equal(r.text('Bearer eyJ0eXAiOi.abc'), `Bearer ${REDACTED}`);
  });
});

describe('redaction: base64 of a secret inside a longer blob', () => {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !"#$%&/:;<=>?@\\_~é€😀';
  const chars = [...alphabet];
  const random = prng(11);
  const pick = (n: number) => Array.from({ length: n }, () => chars[Math.floor(random() * chars.length)]).join('');

  test('at byte offsets 0..5, any alignment, std and url-safe, padded or not (400 seeded cases)', () => {
    for (let i = 0; i < 400; i++) {
      const secret = pick(MIN_SECRET_LENGTH + Math.floor(random() * 30));
      const offset = i % 6;
      const before = Buffer.from(Array.from({ length: offset }, () => Math.floor(random() * 256)));
      const after = Buffer.from(Array.from({ length: Math.floor(random() * 6) }, () => Math.floor(random() * 256)));
      const bytes = Buffer.from(secret, 'utf8');
      const blob = Buffer.concat([before, bytes, after]);
      const urlSafe = i % 2 === 1;
      const padded = i % 4 < 2;
      let encoded = blob.toString(urlSafe ? 'base64url' : 'base64');
      if (padded && urlSafe) encoded += '='.repeat((4 - (encoded.length % 4)) % 4);
      if (!padded && !urlSafe) encoded = encoded.replace(/=+$/, '');
      // The characters only the secret's bytes decide: bits [8·offset, 8·(offset + n)).
      const first = Math.ceil((8 * offset) / 6);
      const last = Math.floor((8 * (offset + bytes.length)) / 6);
      const decided = encoded.slice(first, last);
      const out = createRedactor([secret]).text(`Authorization: x ${encoded} end`);
      const where = `case ${i}: ${JSON.stringify(secret)} at ${offset} in ${encoded}`;
      assert.ok(out.startsWith(`Authorization: x ${encoded.slice(0, first)}`), where);
      assert.ok(out.includes(REDACTED), where);
      assert.deepEqual(leakedRuns(out, decided), [], where);
      assert.ok(out.length <= `Authorization: x ${encoded} end`.length - decided.length + REDACTED.length, where);
    }
  });

  test('HTTP Basic: the client_id:secret pair whole, and the secret alone inside it', () => {
    const id = 'client-42';
    const secret = 'client-secret-9f8e7d';
    const header = `Authorization: Basic ${b64(`${id}:${secret}`)}`;
    assert.equal(createRedactor([secret, `${id}:${secret}`]).text(header), `Authorization: Basic ${REDACTED}`);
    const alone = createRedactor([secret]).text(header);
    assert.ok(alone.startsWith(`Authorization: Basic ${b64(`${id}:`).slice(0, 12)}`), alone);
    assert.deepEqual(leakedRuns(alone, b64(`${id}:${secret}`).slice(14, 36)), []);
  });

  test('a secret inside JSON that was base64-encoded whole', () => {
    const secret = 'sk_live_51HxYz';
    // `{"secret":"` is 11 bytes: the secret starts two bytes into a base64 group.
    const blob = b64url(JSON.stringify({ secret }));
    const out = createRedactor([secret]).text(blob);
    assert.notEqual(out, blob);
    assert.equal(Buffer.from(out.split(REDACTED).join(''), 'base64url').toString('latin1').includes('sk_live'), false);
  });
});

describe('redaction: passwords in URLs, cut text, short secrets', () => {
  const redactor = createRedactor();

  test("a URL's user-info password is always hidden, known or not", () => {
    const cases: [string, string][] = [
      ['see https://bob:hunter2@example.com/x', `see https://bob:${REDACTED}@example.com/x`],
      ['postgres://u:p@ss:w0rd@db.local:5432/app?x=1', `postgres://u:${REDACTED}@db.local:5432/app?x=1`],
      ['"url":"https:\\/\\/admin:pa55@h.io\\/v2"', `"url":"https:\\/\\/admin:${REDACTED}@h.io\\/v2"`],
      ['FTP://A:B@c and http://d:e@f', `FTP://A:${REDACTED}@c and http://d:${REDACTED}@f`],
    ];
    for (const [text, expected] of cases) assert.equal(redactor.text(text), expected);
    for (const text of [
      'mail bob@example.com or see https://example.com/@user:1',
      'https://user@example.com/ has no password',
      'time 10:30@home, ratio a:b@c',
    ])
      assert.equal(redactor.text(text), text);
  });

  test('scrubbed before it is cut, a secret across the cut never leaves 8 characters', () => {
    const secret = 'Zq8-w3Lk_9vPx2Nf7TbR';
    const scrub = createRedactor([secret]).text;
    for (let at = 470; at <= 500; at++) {
      const said = `${'x'.repeat(at)}${secret} and more`;
      const cut = scrub(said).slice(0, 500);
      assert.deepEqual(leakedRuns(cut, secret), [], `secret at ${at}`);
      if (at <= 492) assert.notDeepEqual(leakedRuns(said.slice(0, 500), secret), [], 'cutting first would leak');
    }
  });

  test('scrubbed before whitespace is folded, a secret with a double space is still found', () => {
    const secret = 'pass  phrase 42';
    const fold = (text: string) => text.replace(/\s+/g, ' ');
    const scrub = createRedactor([secret]).text;
    assert.equal(fold(scrub(`got pass  phrase 42\n`)), `got ${REDACTED} `);
    assert.equal(scrub(fold(`got pass  phrase 42\n`)), 'got pass phrase 42 ', 'folding first would miss it');
  });

  test(`secrets under ${MIN_SECRET_LENGTH} characters are accepted but not redacted`, () => {
    assert.equal(MIN_SECRET_LENGTH, 8);
    const r = createRedactor(['abc1234', 'admin']);
    r.add('1234567');
    assert.equal(r.text('admin abc1234 1234567'), 'admin abc1234 1234567');
    assert.deepEqual(r.value({ admin: 'abc1234' }), { admin: 'abc1234' });
    r.add('abcd1234');
    assert.equal(r.text('x abcd1234 abc1234'), `x ${REDACTED} abc1234`);
    assert.equal(isTooShortToRedact('1234567'), true);
    assert.equal(isTooShortToRedact('12345678'), false);
    assert.equal(isTooShortToRedact(''), false, 'an empty value hides nothing');
    assert.equal(isTooShortToRedact('😀😀😀😀'), true, 'characters, not UTF-16 units');
  });

  test('value() copies data nested 100,000 levels deep without recursing; json() of sane data', () => {
    const secret = 'deep-secret-value';
    const r = createRedactor([secret]);
    let deep: unknown = { [secret]: secret };
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? { a: deep } : [deep];
    const copy = r.value(deep);
    let node = copy as unknown;
    for (let i = 0; i < 100_000; i++) node = Array.isArray(node) ? (node[0] as unknown) : (node as { a: unknown }).a;
    assert.deepEqual(node, { [REDACTED]: REDACTED });
    const shared = { s: secret };
    const cyclic: Record<string, unknown> = { one: shared, two: shared };
    cyclic.self = cyclic;
    const cyclicCopy = r.value(cyclic);
    assert.equal(cyclicCopy.self, cyclicCopy, 'a cycle stays a cycle');
    assert.equal(cyclicCopy.one, cyclicCopy.two);
    assert.deepEqual(cyclicCopy.one, { s: REDACTED });
    const proto = r.value(JSON.parse('{"__proto__": {"x": 1}}') as object);
    assert.deepEqual(Object.keys(proto), ['__proto__'], '__proto__ stays an own key');
    assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  });

  test('value() hands back the value itself when nothing in it is a secret (issue 14: no copy per event)', () => {
    const r = createRedactor(['deep-secret-value']);
    const clean = { type: 'step_end', result: { status: 'success', response_data: { tier: 'gold', list: [1, 'a'] } } };
    assert.equal(r.value(clean), clean);
    const dirty = { ...clean, note: 'has deep-secret-value' };
    const copy = r.value(dirty);
    assert.notEqual(copy, dirty);
    assert.equal(dirty.note, 'has deep-secret-value', 'the original is never changed');
    class Answer {
      tier = 'gold';
    }
    const instance = r.value({ answer: new Answer() });
    assert.equal(
      Object.getPrototypeOf(instance.answer),
      Object.prototype,
      'a class instance is still copied as plain data',
    );
  });
});

describe('neutralize: control characters in human-readable output', () => {
  test('each class is escaped readably', () => {
    const cases: [string, string][] = [
      ['\n', '\\n'],
      ['\r', '\\r'],
      ['\t', '\\t'],
      ['\x00', '\\x00'],
      ['\x07', '\\x07'],
      ['\x1b', '\\x1b'],
      ['\x1f', '\\x1f'],
      ['\x7f', '\\x7f'],
      ['\u0080', '\\u0080'],
      ['\u0085', '\\u0085'],
      ['\u009b', '\\u009b'],
      ['\u009f', '\\u009f'],
      ['\u2028', '\\u2028'],
      ['\u2029', '\\u2029'],
      ...[0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069].map((code): [string, string] => [
        String.fromCharCode(code),
        `\\u${code.toString(16)}`,
      ]),
    ];
    for (const [raw, escaped] of cases) assert.equal(neutralize(`a${raw}b`), `a${escaped}b`, escaped);
  });

  test('no server text can start a workflow command or send a terminal escape', () => {
    const hostile = 'ok\n::error file=x::pwned\r\n\x1b]8;;http://evil\x1b\\link\u0085::set-output::x';
    const safe = neutralize(hostile);
    for (const c of ['\n', '\r', '\x1b', '\u0085']) assert.equal(safe.includes(c), false, JSON.stringify(c));
    assert.equal(safe, 'ok\\n::error file=x::pwned\\r\\n\\x1b]8;;http://evil\\x1b\\link\\u0085::set-output::x');
  });

  test('ordinary text is left alone: letters beyond ASCII, emoji, backslashes', () => {
    for (const text of ['Grüße aus Köln', '東京 · مرحبا · שלום', '😀👍🏽 👩‍👩‍👧', 'C:\\path\\n is not a newline', ''])
      assert.equal(neutralize(text), text);
  });

  test('neutralizeValue copies keys and strings at any depth', () => {
    assert.deepEqual(neutralizeValue({ 'k\ney': ['v\x1b', 1, null, { x: '\u2028' }] }), {
      'k\\ney': ['v\\x1b', 1, null, { x: '\\u2028' }],
    });
    let deep: unknown = '\n';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.doesNotThrow(() => neutralizeValue(deep));
  });
});

describe('a secret of blanks (QA)', () => {
  test('is too short to redact, whatever its length, and leaves ordinary spacing alone', () => {
    const blanks = ' '.repeat(12);
    assert.equal(isTooShortToRedact(blanks), true);
    assert.equal(isTooShortToRedact('  padded-secret  '), false);
    const redactor = createRedactor([blanks]);
    assert.equal(redactor.text(`a${' '.repeat(20)}b`), `a${' '.repeat(20)}b`);
  });
});
