// The chain schema as editors and other tools read it (issue 15, point 3): it compiles under ajv's
// strict mode once its editor keywords are declared, as a consumer of the shipped file would; every
// key has Markdown and plain text, every enum value its own text; defaults and examples are values
// the schema takes; and each snippet, filled in with its placeholders, makes a valid chain.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse, stringify } from 'yaml';
import { EDITOR_KEYWORDS } from '../src/chain/editor-keywords.js';
import { validateFiles } from '../src/chain/load.js';
import { ROOT, tempDir } from './helpers.js';

const chainSchema = async () =>
  JSON.parse(await readFile(join(ROOT, 'schemas', 'chain.schema.json'), 'utf8')) as Record<string, unknown>;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Every schema node with its JSON pointer. A `properties` or `$defs` map is not a schema (its
 * entries are), and snippet bodies, examples, defaults and constants are data.
 */
function* schemaNodes(node: Json, pointer = ''): Generator<[string, JsonObject]> {
  if (!isObject(node)) return;
  yield [pointer, node];
  for (const [key, value] of Object.entries(node)) {
    if (['defaultSnippets', 'examples', 'default', 'const', 'enum', 'required'].includes(key)) continue;
    const at = `${pointer}/${key}`;
    if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* schemaNodes(item, `${at}/${i}`);
    else if ((key === 'properties' || key === '$defs') && isObject(value))
      for (const [name, entry] of Object.entries(value)) yield* schemaNodes(entry, `${at}/${name}`);
    else yield* schemaNodes(value, at);
  }
}

/** The schema nodes that describe a key: each entry of a `properties`, unless a branch's `true`/`false`. */
function keyNodes(schema: JsonObject): [string, JsonObject][] {
  const out: [string, JsonObject][] = [];
  for (const [pointer, node] of schemaNodes(schema))
    if (isObject(node.properties))
      for (const [key, value] of Object.entries(node.properties))
        if (isObject(value)) out.push([`${pointer}/properties/${key}`, value]);
  return out;
}

function strictAjv() {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  for (const definition of EDITOR_KEYWORDS) ajv.addKeyword(definition);
  return ajv;
}

describe('the chain schema under ajv strict mode', () => {
  test('compiles with strict: true once each editor keyword is declared by name', async () => {
    const ajv = new Ajv2020({ strict: true });
    for (const { keyword } of EDITOR_KEYWORDS) ajv.addKeyword(keyword);
    const validate = ajv.compile(await chainSchema());
    assert.ok(validate({ version: 1, chain_id: 'c', steps: [{ action_id: 'a' }] }), JSON.stringify(validate.errors));
    assert.equal(validate({ version: 1, chain_id: 'c', steps: [{ action_id: 'a', paylod: {} }] }), false);
  });

  test('without the editor keywords declared, strict mode refuses it: the keywords are really in use', async () => {
    const schema = await chainSchema();
    assert.throws(() => new Ajv2020({ strict: true }).compile(schema), /strict mode: unknown keyword/);
  });

  test("compiles with the keywords' definitions, whose meta-schemas check how the schema writes them", async () => {
    const schema = await chainSchema();
    assert.doesNotThrow(() => strictAjv().compile(schema));
    assert.throws(() => strictAjv().compile({ type: 'string', markdownDescription: 5 }), /markdownDescription/);
    assert.throws(() => strictAjv().compile({ type: 'string', defaultSnippets: [{ body: 1 }] }), /defaultSnippets/);
  });
});

describe('the chain schema for editors (hover, completion)', () => {
  test('every key has a Markdown text and a plain text without Markdown', async () => {
    const schema = (await chainSchema()) as JsonObject;
    const defs = schema.$defs as JsonObject;
    const keys = keyNodes(schema);
    assert.ok(keys.length >= 35, `${keys.length} keys`);
    for (const [pointer, node] of keys) {
      const ref = typeof node.$ref === 'string' ? defs[node.$ref.replace('#/$defs/', '')] : undefined;
      const described = isObject(ref) ? ref : node;
      assert.equal(typeof described.markdownDescription, 'string', `${pointer}: markdownDescription`);
      assert.equal(typeof described.description, 'string', `${pointer}: description`);
      assert.doesNotMatch(String(described.description), /[`*]/, `${pointer}: plain description`);
    }
    for (const [pointer, node] of schemaNodes(schema))
      if (node.description !== undefined && typeof node.description === 'string')
        assert.equal(typeof node.markdownDescription, 'string', `${pointer} has a description but no Markdown`);
  });

  test('every enum value has its own Markdown text', async () => {
    const enums = [...schemaNodes((await chainSchema()) as JsonObject)].filter(([, n]) => Array.isArray(n.enum));
    assert.ok(enums.length >= 2);
    for (const [pointer, node] of enums) {
      const texts = node.markdownEnumDescriptions;
      assert.ok(Array.isArray(texts) && texts.length === (node.enum as Json[]).length, `${pointer}: one per value`);
      assert.equal(new Set(texts).size, texts.length, `${pointer}: each value its own text`);
    }
    const onFailure = ((await chainSchema()) as { $defs: { on_failure: JsonObject } }).$defs.on_failure;
    const [abort, go, fallback] = onFailure.markdownEnumDescriptions as string[];
    assert.match(abort ?? '', /^Stop the chain/);
    assert.match(go ?? '', /go on with the next step/);
    assert.match(fallback ?? '', /`fallback`/);
  });

  test('revision completes to 1; every default and example is a value the schema takes at its place', async () => {
    const schema = (await chainSchema()) as JsonObject;
    assert.equal(((schema.properties as JsonObject).revision as JsonObject).default, 1);
    const ajv = strictAjv();
    let checked = 0;
    for (const [pointer, node] of schemaNodes(schema)) {
      const values = [
        ...(Array.isArray(node.examples) ? node.examples : []),
        ...('default' in node ? [node.default] : []),
      ];
      if (values.length === 0 || pointer.includes('/if') || pointer.includes('/then') || pointer.includes('/else'))
        continue;
      // The node alone, with the definitions its `$ref`s name.
      const validate = ajv.compile({ ...node, $defs: schema.$defs });
      for (const value of values) {
        assert.ok(validate(value), `${pointer}: ${JSON.stringify(value)} ${JSON.stringify(validate.errors)}`);
        checked++;
      }
    }
    assert.ok(checked >= 20, `${checked} values checked`);
  });
});

/** Snippet text as the editor inserts it: `${1:text}` and `${1|a,b|}` become their first value, `\$` a `$`. */
function expandPlaceholders(text: string): string {
  return text.replace(
    /\\([$}\\])|\$\{\d+:([^}]*)\}|\$\{\d+\|([^,|]*)[^}]*\}|\$\{\d+\}|\$\d+/g,
    (_all, escaped?: string, value?: string, choice?: string) => escaped ?? value ?? choice ?? '',
  );
}

/**
 * A snippet's body filled in with its placeholders, as yaml-language-server inserts it: strings
 * as written, so YAML reads `30` as a number and `false` as a boolean, except the text `true` or
 * `false` (which it quotes) and a string starting with `^` (which it inserts without the `^`).
 */
function instantiate(body: Json): Json {
  if (Array.isArray(body)) return body.map(instantiate);
  if (isObject(body))
    return Object.fromEntries(Object.entries(body).map(([k, v]) => [expandPlaceholders(k), instantiate(v)]));
  if (typeof body !== 'string' || body === 'true' || body === 'false') return body;
  assert.doesNotMatch(body, /(?<!\\)\$\{\{/, `an expression in a snippet needs its $ escaped: ${body}`);
  return parse(expandPlaceholders(body.replace(/^\^/, ''))) as Json;
}

/** A chain file holding what the snippet at `pointer` inserts, at the place the editor offers it. */
function chainWith(pointer: string, value: Json): Json {
  const chain = (steps: Json[], extra: JsonObject = {}) => ({ version: 1, chain_id: 'snippet', ...extra, steps });
  switch (pointer) {
    case '':
      return value;
    case '/properties/inputs':
      return chain([{ action_id: 'da-echo' }], { inputs: value });
    case '/$defs/input':
      return chain([{ action_id: 'da-echo' }], { inputs: { x: value } });
    case '/$defs/step':
      return chain([value]);
    case '/$defs/fallback':
      return chain([{ action_id: 'da-echo', on_failure: 'fallback', fallback: value }]);
    default:
      assert.fail(`a snippet at ${pointer}: say where the editor offers it`);
  }
}

describe('snippets', () => {
  test('each snippet, filled in with its placeholders, makes a chain that cxchain validate accepts', async () => {
    const snippets = [...schemaNodes((await chainSchema()) as JsonObject)].flatMap(([pointer, node]) =>
      Array.isArray(node.defaultSnippets) ? node.defaultSnippets.map((s) => [pointer, s] as const) : [],
    );
    const labels = snippets.map(([, s]) => (isObject(s) ? s.label : undefined));
    for (const label of ['chain', 'action step', 'chain step (uses)', 'action fallback', 'static output fallback'])
      assert.ok(labels.includes(label), `a snippet "${label}"`);
    assert.ok(labels.some((l) => typeof l === 'string' && /input/.test(l)));
    // The chain step's `uses:` names this child, whose one input the snippet's `with:` sets.
    const child = stringify({
      version: 1,
      chain_id: 'crm-sync',
      call_only: true,
      inputs: { customer_id: { type: 'string', required: true } },
      steps: [{ action_id: 'da-update-external-crm' }],
    });
    const files: Record<string, string> = { 'lib/crm-sync.yaml': child };
    for (const [i, [pointer, snippet]] of snippets.entries()) {
      assert.ok(isObject(snippet) && snippet.body !== undefined, `${pointer}: a body`);
      const chain = chainWith(pointer, instantiate(snippet.body));
      files[`s${i}.yaml`] = stringify(isObject(chain) ? { ...chain, chain_id: `snippet-${i}` } : chain);
    }
    const { dir, cleanup } = await tempDir(files);
    try {
      const result = await validateFiles([dir], { cwd: dir });
      assert.deepEqual(
        result.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`),
        [],
        Object.entries(files)
          .map(([f, t]) => `--- ${f}\n${t}`)
          .join(''),
      );
      assert.equal(result.chains.length, snippets.length + 1);
    } finally {
      await cleanup();
    }
  });
});
