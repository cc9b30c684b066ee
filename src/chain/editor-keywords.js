// The keywords of schemas/chain.schema.json that only editors read: yaml-language-server (the
// VS Code YAML extension) and VS Code's JSON support take hover text, value descriptions,
// snippets and error messages from them. They do not change what a chain may be, but ajv in strict
// mode refuses a keyword it does not know, so whoever compiles the schema declares them first.
// Plain JavaScript so that the build script, which runs on plain Node, reads this same list.

const text = { type: 'string' };

/**
 * Each editor keyword the chain schema uses, as an ajv keyword definition whose `metaSchema`
 * checks how the schema writes it. Declare them before compiling the schema with
 * `for (const definition of EDITOR_KEYWORDS) ajv.addKeyword(definition)`; `ajv.addKeyword(name)`
 * with each `keyword` does as well, without checking their values.
 *
 * @type {ReadonlyArray<import('ajv').KeywordDefinition & { keyword: string }>}
 */
export const EDITOR_KEYWORDS = Object.freeze([
  /** The hover and completion text, as Markdown; `description` stays for tools that read only it. */
  { keyword: 'markdownDescription', metaSchema: text },
  /** One Markdown text per value of the `enum` beside it, in the same order. */
  { keyword: 'markdownEnumDescriptions', metaSchema: { type: 'array', items: text } },
  /** Completion snippets: `body` is inserted as YAML, with `${1:placeholder}` tab stops. */
  {
    keyword: 'defaultSnippets',
    metaSchema: {
      type: 'array',
      items: {
        type: 'object',
        required: ['label', 'body'],
        properties: { label: text, description: text, markdownDescription: text, body: true },
        additionalProperties: false,
      },
    },
  },
  /** The message yaml-language-server shows, instead of its own, for a problem found at this node. */
  { keyword: 'errorMessage', metaSchema: text },
  /** Likewise, only for a value that does not match the node's `pattern`. */
  { keyword: 'patternErrorMessage', metaSchema: text },
]);
