// The chain schema as editors and other tools read it (issue 15, point 3): it compiles under ajv's
// strict mode once its editor keywords are declared, as a consumer of the shipped file would.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { EDITOR_KEYWORDS } from '../src/chain/editor-keywords.js';
import { ROOT } from './helpers.js';

const chainSchema = async () =>
  JSON.parse(await readFile(join(ROOT, 'schemas', 'chain.schema.json'), 'utf8')) as Record<string, unknown>;

describe('the chain schema under ajv strict mode', () => {
  test('compiles with strict: true once each editor keyword is declared by name', async () => {
    const ajv = new Ajv2020({ strict: true });
    for (const { keyword } of EDITOR_KEYWORDS) ajv.addKeyword(keyword);
    const validate = ajv.compile(await chainSchema());
    assert.ok(validate({ version: 1, chain_id: 'c', steps: [{ action_id: 'a' }] }), JSON.stringify(validate.errors));
    assert.equal(validate({ version: 1, chain_id: 'c', steps: [{ action_id: 'a', paylod: {} }] }), false);
  });

  test("compiles with the keywords' definitions, whose meta-schemas check how the schema writes them", async () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    for (const definition of EDITOR_KEYWORDS) ajv.addKeyword(definition);
    const schema = await chainSchema();
    assert.doesNotThrow(() => ajv.compile(schema));
    const bad = { type: 'string', markdownDescription: 5 };
    assert.throws(() => ajv.compile(bad), /markdownDescription/);
  });
});
