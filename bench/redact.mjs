#!/usr/bin/env node
// bench/redact: the cost of redacting one printed line, which every line of output pays (SPEC 6).
// Usage: npm run build && node bench/redact.mjs
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { createRedactor } = await import(pathToFileURL(join(root, 'dist', 'report', 'redact.js')).href);

const CALLS = 10_000;
// Five secrets as a run has them: a client secret with characters every encoding changes, an
// access-key secret, a `secrets.*` value, an access token, and the HTTP Basic pair.
const clientSecret = 'cs:7H/q2 leak+canary&"x\\y';
const secrets = [
  clientSecret,
  'ak-9Zx4/leak+canary',
  'crm"4Kd8&<leak>\\canary',
  `eyJhbGciOiJSUzI1NiJ9.${randomBytes(300).toString('base64url')}`,
  `client-id:${clientSecret}`,
];
const redactor = createRedactor(secrets);
const lines = Array.from({ length: 100 }, (_, i) => {
  const head = `[POST] da-${i}: 500 Internal Server Error — see https://example.com/api/v2 (step ${i}) `;
  return (
    head +
    randomBytes(150)
      .toString('base64')
      .slice(0, 200 - head.length)
  );
});
const withSecret = lines.map((line, i) => `${line.slice(0, 80)}${secrets[i % 5]}${line.slice(80)}`);

const ROUNDS = 7;

/** Best and median of a few rounds: a busy machine only ever makes a round slower. */
function time(label, input) {
  for (let i = 0; i < 2_000; i++) redactor.text(input[i % input.length]);
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) redactor.text(input[i % input.length]);
    rounds.push(performance.now() - t0);
  }
  rounds.sort((a, b) => a - b);
  const [best, median] = [rounds[0], rounds[ROUNDS >> 1]].map((ms) => ms.toFixed(1));
  console.log(`${label}: ${CALLS} calls in ${best} ms (median of ${ROUNDS} rounds ${median} ms)`);
}

time('200-char lines, no secret', lines);
time('200-char lines, each with a secret', withSecret);
const big = randomBytes(7_800_000).toString('base64');
const t0 = performance.now();
redactor.text(big);
console.log(`one 10 MiB answer: ${(performance.now() - t0).toFixed(1)} ms`);
