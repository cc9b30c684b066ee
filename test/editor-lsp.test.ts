// The editor experience of issue 15, point 3, as an editor gets it: the real yaml-language-server
// (the server behind VS Code's YAML extension) driven over LSP, reading chains/*.yaml through their
// modeline and a chain in another repository through `../node_modules/cxchain/schemas/…`. The
// schema is read by file path; schema store off, so the server talks to no network.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { validateChains } from '../src/chain/load.js';
import { ROOT, tempDir } from './helpers.js';
import { startLsp, type LspClient } from './lsp-client.js';

const SERVER = join(ROOT, 'node_modules', 'yaml-language-server', 'bin', 'yaml-language-server');
const MODELINE = '# yaml-language-server: $schema=../node_modules/cxchain/schemas/chain.schema.json\n';
const SETTINGS = {
  yaml: { validate: true, hover: true, completion: true, schemaStore: { enable: false }, schemas: {} },
};

interface Position {
  line: number;
  character: number;
}
interface Diagnostic {
  message: string;
  range: { start: Position; end: Position };
}
interface CompletionItem {
  label: string;
  insertText?: string;
  documentation?: string | { kind: string; value: string };
}
interface Hover {
  contents: { kind: string; value: string };
}

let server: LspClient;
let repo: { dir: string; cleanup: () => Promise<void> };
let version = 0;

/** Opens `text` at `file` (absolute) and resolves with the diagnostics the server publishes for it. */
async function open(file: string, text: string): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
  const uri = pathToFileURL(file).href;
  version++;
  server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version, text } });
  const published = await server.notification<{ uri: string; diagnostics: Diagnostic[] }>(
    'textDocument/publishDiagnostics',
    (p) => p.uri === uri,
  );
  return { uri, diagnostics: published.diagnostics };
}

/** A chain file of the other repository, with the modeline its README section names. */
let count = 0;
const openInRepo = (text: string) => open(join(repo.dir, 'chains', `c${++count}.yaml`), MODELINE + text);

/** The position of the first `needle` in `text`, plus `shift` characters. */
function positionOf(text: string, needle: string, shift = 0): Position {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `${needle} in the text`);
  const before = text.slice(0, at + shift).split('\n');
  return { line: before.length - 1, character: (before.at(-1) ?? '').length };
}

/**
 * No diagnostics proves nothing if the modeline did not reach the schema: the hover on
 * `chain_id` shows the schema's text only when the server applies it to the file.
 */
async function assertSchemaApplied(uri: string, text: string) {
  const position = positionOf(text, 'chain_id', 1);
  const hover = await server.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position });
  assert.match(hover?.contents.value ?? '', /Identifier of the chain/, uri);
}

async function complete(uri: string, position: Position): Promise<CompletionItem[]> {
  const result = await server.request<{ items: CompletionItem[] } | CompletionItem[]>('textDocument/completion', {
    textDocument: { uri },
    position,
  });
  return Array.isArray(result) ? result : result.items;
}

/**
 * The document after accepting `item` at `position` of an empty line, as an editor does: the
 * snippet's later lines indented like the cursor's line, each placeholder its default text.
 */
function accept(text: string, position: Position, item: CompletionItem): string {
  const lines = text.split('\n');
  const line = lines[position.line] ?? '';
  const indent = /^\s*/.exec(line)?.[0] ?? '';
  const snippet = (item.insertText ?? item.label)
    .replace(
      /\\([$}\\])|\$\{\d+:([^}]*)\}|\$\{\d+\}|\$\d+/g,
      (_all, escaped?: string, value?: string) => escaped ?? value ?? '',
    )
    .split('\n')
    .join(`\n${indent}`);
  lines[position.line] = line.slice(0, position.character) + snippet + line.slice(position.character);
  return lines.join('\n');
}

before(async () => {
  repo = await tempDir();
  // Another repository with cxchain installed: its package folder is this checkout.
  await mkdir(join(repo.dir, 'node_modules'));
  await mkdir(join(repo.dir, 'chains'));
  await symlink(ROOT, join(repo.dir, 'node_modules', 'cxchain'), 'dir');
  server = startLsp(process.execPath, [SERVER, '--stdio']);
  await server.request('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(repo.dir).href,
    capabilities: {
      textDocument: {
        completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] } },
        hover: { contentFormat: ['markdown', 'plaintext'] },
        publishDiagnostics: {},
      },
    },
  });
  server.notify('initialized', {});
  server.notify('workspace/didChangeConfiguration', { settings: SETTINGS });
});

after(async () => {
  await server?.close();
  await repo?.cleanup();
});

const STEP_WITH_TYPOS = [
  'version: 1',
  'chain_id: typos',
  'revison: 2',
  'steps:',
  '  - action_id: da-fetch-customer-profile',
  '    on_failure: stop',
  '',
].join('\n');

describe('yaml-language-server on chain files', () => {
  test('every example in chains/, opened through its own modeline, has no problem', async () => {
    const files = (await readdir(join(ROOT, 'chains'))).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 3);
    for (const file of files) {
      const text = await readFile(join(ROOT, 'chains', file), 'utf8');
      assert.match(text, /^# yaml-language-server: \$schema=\.\.\/schemas\/chain\.schema\.json$/m);
      const { uri, diagnostics } = await open(join(ROOT, 'chains', file), text);
      assert.deepEqual(diagnostics, [], file);
      await assertSchemaApplied(uri, text);
    }
  });

  test('a misspelt key and a bad on_failure value: each its own message, at the key and at the value', async () => {
    const { diagnostics } = await openInRepo(STEP_WITH_TYPOS);
    const got = diagnostics.map((d) => [d.message, d.range.start.line, d.range.start.character]);
    assert.deepEqual(got.sort(), [
      ['Property revison is not allowed.', 3, 0],
      ['Value is not accepted. Valid values: "abort", "continue", "fallback".', 6, 16],
    ]);
  });

  test('a fallback with both kinds, or with neither, gets the message that says what is wrong', async () => {
    const text = [
      'version: 1',
      'chain_id: fallbacks',
      'steps:',
      '  - action_id: da-update-external-crm',
      '    on_failure: fallback',
      '    fallback:',
      '      action_id: da-queue-crm-retry',
      '      output: { queued: false }',
      '  - action_id: da-update-external-crm',
      '    on_failure: fallback',
      '    fallback:',
      '      payload: { customerId: C-1 }',
      '',
    ].join('\n');
    const { diagnostics } = await openInRepo(text);
    const got = diagnostics.map((d) => [d.range.start.line, d.message]).sort(([a], [b]) => Number(a) - Number(b));
    assert.equal(got.length, 2, JSON.stringify(got));
    assert.deepEqual(got[0], [
      7,
      'A static output fallback (output:) sends nothing, so it takes no action_id, payload or timeout_seconds: keep output, or replace it with action_id to run another Data Action.',
    ]);
    assert.equal(got[1]?.[0], 11);
    assert.match(
      String(got[1]?.[1]),
      /^A fallback needs action_id \(another Data Action to run.*\) or output \(a static output/,
    );
    assert.ok(!diagnostics.some((d) => /Matches a schema that is not allowed/.test(d.message)));
  });

  test('completion inside a step offers its keys and the step snippets', async () => {
    const text = 'version: 1\nchain_id: complete\nsteps:\n  - id: profile\n    \n';
    const { uri } = await openInRepo(text);
    const items = await complete(uri, { line: 5, character: 4 });
    const labels = items.map((i) => i.label);
    for (const key of ['action_id', 'uses', 'payload', 'on_failure', 'fallback', 'retry', 'if', 'expect'])
      assert.ok(labels.includes(key), `${key} in ${labels.join(', ')}`);
    for (const snippet of ['action step', 'chain step (uses)']) assert.ok(labels.includes(snippet), snippet);
    const onFailure = items.find((i) => i.label === 'on_failure');
    assert.equal(typeof onFailure?.documentation === 'object' && onFailure.documentation.kind, 'markdown');
  });

  test('completing revision writes 1, not 0; completing fallback pads nothing', async () => {
    const top = await openInRepo('version: 1\nchain_id: revision\nre\nsteps:\n  - action_id: a\n');
    const revision = (await complete(top.uri, { line: 3, character: 2 })).find((i) => i.label === 'revision');
    assert.equal(revision?.insertText, 'revision: ${1:1}');
    const step = await openInRepo(
      'version: 1\nchain_id: fallback\nsteps:\n  - action_id: a\n    on_failure: fallback\n    fal\n',
    );
    const fallback = (await complete(step.uri, { line: 6, character: 7 })).find((i) => i.label === 'fallback');
    assert.ok(fallback?.insertText, 'fallback offered');
    assert.doesNotMatch(fallback.insertText, /timeout_seconds|\d/);
  });

  test('hover on on_failure: Markdown without escaped backticks, and a text for each value, the one written first', async () => {
    const text = 'version: 1\nchain_id: hover\nsteps:\n  - action_id: a\n    on_failure: continue\n';
    const { uri } = await openInRepo(text);
    for (const position of [positionOf(MODELINE + text, 'on_failure', 2), positionOf(MODELINE + text, 'continue', 2)]) {
      const hover = await server.request<Hover>('textDocument/hover', { textDocument: { uri }, position });
      assert.equal(hover.contents.kind, 'markdown');
      const value = hover.contents.value;
      assert.ok(!value.includes('\\`'), `no escaped backticks: ${value}`);
      assert.match(value, /`abort` stops the chain, `continue` goes on with the next step/);
      const values = [...value.matchAll(/^\* `(\w+)`: (.*)$/gm)].map((m) => [m[1], m[2]]);
      assert.deepEqual(
        values.map(([v]) => v),
        ['continue', 'abort', 'fallback'],
      );
      assert.match(values[0]?.[1] ?? '', /^Record the failure and go on/);
      assert.match(values[1]?.[1] ?? '', /^Stop the chain/);
      assert.match(values[2]?.[1] ?? '', /^Run the step's `fallback`/);
    }
  });

  test("the server's own snippets, accepted with their placeholders, make chains that cxchain validate accepts", async () => {
    // A whole chain, from the completion of a file that holds only the modeline.
    const empty = await openInRepo('');
    const chainItem = (await complete(empty.uri, { line: 1, character: 0 })).find((i) => i.label === 'chain');
    assert.ok(chainItem, 'a "chain" snippet');
    const chain = accept(MODELINE, { line: 1, character: 0 }, chainItem);
    // Each kind of fallback, at the empty line of a step's `fallback:`.
    const head = 'version: 1\nchain_id: snippet-fallback\nsteps:\n  - action_id: da-update-external-crm\n';
    const withFallback = `${head}    on_failure: fallback\n    fallback:\n      \n`;
    const at = { line: 7, character: 6 };
    const opened = await openInRepo(withFallback);
    const items = await complete(opened.uri, at);
    const files = [{ file: 'chain.yaml', text: chain }];
    for (const label of ['action fallback', 'static output fallback']) {
      const item = items.find((i) => i.label === label);
      assert.ok(item, label);
      files.push({ file: `${label.replace(/ /g, '-')}.yaml`, text: accept(MODELINE + withFallback, at, item) });
    }
    const ids = files.map((f, i) => ({ ...f, text: f.text.replace(/^chain_id: .*$/m, `chain_id: s${i}`) }));
    const result = validateChains(ids, repo.dir);
    assert.deepEqual(result.diagnostics, [], ids.map((f) => `--- ${f.file}\n${f.text}`).join('\n'));
    assert.equal(result.chains.length, 3);
    // And the server finds nothing wrong with what its snippets wrote.
    for (const f of ids) {
      const { uri, diagnostics } = await openInRepo(f.text.replace(MODELINE, ''));
      assert.deepEqual(diagnostics, [], f.file);
      await assertSchemaApplied(uri, f.text);
    }
  });
});
