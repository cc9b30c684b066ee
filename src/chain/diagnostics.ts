/** Every code a validation problem can carry; stable, so scripts and docs can rely on them. */
export const DIAGNOSTIC_CODES = [
  'path.not_found',
  'path.no_chains',
  'path.outside_root',
  /** A FIFO, socket, device or pipe where a chain file or a folder was expected: never opened for reading. */
  'path.not_regular',
  /** A chain file or a folder that exists but cannot be read, e.g. permission denied. */
  'path.unreadable',
  'file.read_error',
  'file.too_large',
  'file.not_utf8',
  'yaml.syntax',
  'yaml.duplicate_key',
  'yaml.tab_indent',
  'yaml.expression_in_flow',
  'yaml.alias_limit',
  'yaml.multiple_documents',
  'yaml.not_mapping',
  'yaml.tag',
  /** A `<<` merge key: YAML 1.2 has none, so nothing would be merged. */
  'yaml.merge_key',
  /** A number JSON cannot carry as written (beyond ±2^53, too many digits, `.inf`), or a number as a key. */
  'yaml.inexact_number',
  'schema.required',
  'schema.unknown_key',
  'schema.type',
  'schema.enum',
  'schema.const',
  'schema.range',
  'schema.pattern',
  'schema.min_items',
  'schema.max_items',
  'schema.fallback_shape',
  /** A key the kind of its step refuses: `payload` on a chain step (`uses:`), `with` on an action step. */
  'schema.not_allowed',
  /** A step with both `action_id` and `uses`: it is an action step or a chain step, never both. */
  'schema.step_kind',
  'schema.invalid',
  'chain.too_many_steps',
  'chain.duplicate_step',
  'chain.duplicate_chain_id',
  'chain.missing_fallback',
  'chain.unused_fallback',
  'chain.forward_ref',
  'chain.self_ref',
  'chain.unknown_step',
  'chain.unknown_input',
  /** `env.NAME`: the runner's environment is not reachable from a chain (SPEC 3.2). */
  'chain.env_reference',
  /** A `vars.NAME` / `secrets.NAME` whose NAME cannot end an environment variable name. */
  'chain.bad_variable_name',
  'chain.bad_default',
  /** A warning: an input both `required: true` and with a `default`, so `required` never applies. */
  'chain.required_with_default',
  /** An expression in `action_id`: ids are literal, so it would be sent as written. */
  'chain.expression_in_action_id',
  /** `__proto__` as an output name: the chain's outputs become a JavaScript object. */
  'chain.reserved_name',
  'chain.retry_bounds',
  /** `uses:` names a file that is not there (SPEC 3.3). */
  'chain.uses_not_found',
  /** `uses:` leads outside the repository root, by `..` or by a symbolic link. */
  'chain.uses_outside_root',
  /** Chains that use each other in a cycle, reported once with the whole cycle. */
  'chain.uses_cycle',
  /** More than 5 chains nested, the top-level one included. */
  'chain.nesting_too_deep',
  /** A chain step whose child has errors of its own: the parent cannot run either. */
  'chain.child_invalid',
  /** A `with:` name the child does not declare as an input. */
  'chain.unknown_with',
  /** A required input of the child that `with:` does not give. */
  'chain.missing_with',
  /** A literal in `with:` of another type than the child's input. */
  'chain.with_type',
  /** `steps.<chain step>.output.<name>` where the child declares no output `name`. */
  'chain.unknown_output',
  'expr.syntax',
  /** A root no expression may start from; in a condition, `output` outside `expect:` (SPEC 3.5). */
  'expr.unknown_root',
  /** A condition whose operand types are wrong already at load time, e.g. `'a' < 1` or `!'x'` (SPEC 3.5). */
  'expr.type',
  /** Text around or between `${{ … }}` in a condition, which GitHub would read as an always-true string. */
  'expr.text_around',
  /** A condition that can never be true or false, e.g. `if: 'yes'`, `if: 5` or a YAML list (SPEC 3.5). */
  'expr.not_boolean',
] as const;

export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];

/** A 1-based position in a file. */
export interface Position {
  line: number;
  column: number;
}

/** An error stops the file from running; a warning is printed and changes nothing else. */
export type Severity = 'error' | 'warning';

/** One validation problem. `line`/`column` are 1-based; absent for problems with a whole path. */
export interface Diagnostic {
  code: DiagnosticCode;
  /** Absent means `error`: every diagnostic was an error before warnings existed. */
  severity?: Severity;
  message: string;
  /** How to fix it, when the message alone does not say. */
  hint?: string;
  file: string;
  line?: number;
  column?: number;
}

export function diagnostic(
  code: DiagnosticCode,
  file: string,
  pos: Position | undefined,
  message: string,
  hint?: string,
): Diagnostic {
  const d: Diagnostic = { code, message, file };
  if (pos) {
    d.line = pos.line;
    d.column = pos.column;
  }
  if (hint) d.hint = hint;
  return d;
}

/** Whether `d` is a warning, which lets the chain run (exit codes count errors only). */
export function isWarning(d: Diagnostic): boolean {
  return d.severity === 'warning';
}

/** Orders problems by file, then position, so output reads top to bottom. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}
