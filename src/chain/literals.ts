import { isScalar, Scalar, visit } from 'yaml';
import type { Document, LineCounter } from 'yaml';
import { diagnostic, type Diagnostic } from './diagnostics.js';

/** What `checkLiterals` needs of a parsed file. */
interface LiteralSource {
  file: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

/**
 * Values that YAML reads into something other than what the file says: a number JSON cannot
 * carry exactly (it would be sent rounded), a number used as a key (sent as other text), and a
 * `<<` merge key (YAML 1.2 has none, so it would be an ordinary key named `<<`). Each is what a
 * person wrote on purpose and would never see changed, so each is an error at load time.
 */
export function checkLiterals(source: LiteralSource): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (!MAY_HOLD_ONE.test(source.text)) return out;
  const at = (node: Scalar) => {
    const { line, col } = source.lineCounter.linePos(node.range?.[0] ?? 0);
    return { line, column: col };
  };
  visit(source.doc, {
    Scalar(key, node) {
      if (!isScalar(node) || !node.range) return;
      const text = source.text.slice(node.range[0], node.range[1]);
      if (key === 'key' && node.value === '<<' && node.type === Scalar.PLAIN) {
        out.push(
          diagnostic(
            'yaml.merge_key',
            source.file,
            at(node),
            'merge keys (`<<`) are not supported: a chain is read as YAML 1.2, where `<<` is an ordinary key, so nothing would be merged',
            'write the keys out in full; settings shared by every step belong under `defaults:`',
          ),
        );
        return;
      }
      if (typeof node.value !== 'number' || node.type !== Scalar.PLAIN) return;
      if (key === 'key') {
        const sent = String(node.value);
        if (sent !== text)
          out.push(
            diagnostic(
              'yaml.inexact_number',
              source.file,
              at(node),
              `the key \`${text}\` is read as the number ${sent}, so it would be used as the key "${sent}"`,
              `quote it as a string: "${text}"`,
            ),
          );
        return;
      }
      const problem = inexactNumber(text, node.value);
      if (problem) {
        const quote = `quote it as a string: "${text}"`;
        const hint = Number.isFinite(node.value) ? quote : `write a finite number, or ${quote}`;
        out.push(diagnostic('yaml.inexact_number', source.file, at(node), problem, hint));
      }
    },
  });
  return out;
}

/**
 * Most files hold none of these, and a cheap test of the text skips the walk: `<<`; 16 or more
 * digits and dots in a row (a double holds 15 significant digits exactly); a 3-digit exponent;
 * `.inf`/`.nan`; a hex or octal integer long enough to pass 2^53; a key that starts like a number.
 */
const MAY_HOLD_ONE =
  /<<|\d[\d.]{15}|[eE][-+]?\d{3}|\.(?:inf|nan)|0x[0-9a-f]{14}|0o[0-7]{18}|(?:^|[\s{,[?])[-+]?\.?\d[\w.+-]*\s*:(?:\s|$)/im;

const INTEGER = /^[-+]?(?:[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$/;
const DECIMAL = /^([-+]?)(?:(\d*)\.?(\d*))(?:[eE]([-+]?\d+))?$/;

/** Why `value`, read from `text`, would not be sent as written; undefined when it would be. */
export function inexactNumber(text: string, value: number): string | undefined {
  if (!Number.isFinite(value)) return `\`${text}\` is not a number JSON can carry: it would be sent as null`;
  if (INTEGER.test(text)) {
    if (Number.isSafeInteger(value)) return undefined;
    const [side, limit, end] =
      value > 0 ? ['larger', Number.MAX_SAFE_INTEGER, 'largest'] : ['smaller', Number.MIN_SAFE_INTEGER, 'smallest'];
    return `the integer ${text} is ${side} than ${limit}, the ${end} integer a 64-bit float holds exactly (JSON numbers are read as those here and by most receivers): it would be sent as ${JSON.stringify(value)}`;
  }
  const written = decimalOf(text);
  const sent = JSON.stringify(value);
  if (!written || written === decimalOf(sent)) return undefined;
  return `the number ${text} has more digits than a JSON number holds (a 64-bit float): it would be sent as ${sent}`;
}

/**
 * A canonical form of a decimal literal, `digits@exponent` with no leading or trailing zeros,
 * so that `1.50`, `15e-1` and `1.5` compare equal and `0.1000000000000000000001` does not equal `0.1`.
 */
function decimalOf(text: string): string | undefined {
  const m = DECIMAL.exec(text.trim());
  if (!m) return undefined;
  const [, sign = '', int = '', frac = '', exp = '0'] = m;
  let digits = `${int}${frac}`;
  let exponent = Number(exp) + int.length;
  const lead = /^0*/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(lead);
  exponent -= lead;
  digits = digits.replace(/0+$/, '');
  if (digits === '') return '0';
  return `${sign === '-' ? '-' : ''}${digits}@${exponent}`;
}
