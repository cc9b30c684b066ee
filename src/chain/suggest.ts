/**
 * The candidate a person most likely meant by `word`, for "did you mean …?" messages; undefined
 * when none is close enough to be a plausible slip. In order: the same word in another case or
 * with `-` for `_`; the same word in the singular (`retries` → `retry`, `step` → `steps`); the
 * only candidate that `word` starts (`timeout` → `timeout_seconds`); a small edit distance.
 * A word without a letter (`<<`) or of one or two characters gets no fuzzy guess: `if` is not a
 * slip of `id`.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const norm = normalize(word);
  const exact = candidates.find((c) => normalize(c) === norm);
  if (exact !== undefined) return exact;
  if (!/[a-z]/i.test(word)) return undefined;
  const singular = candidates.find((c) => singularOf(normalize(c)) === singularOf(norm));
  if (singular !== undefined) return singular;
  const extended = candidates.filter((c) => normalize(c).startsWith(`${norm}_`));
  if (extended.length === 1) return extended[0];
  if (norm.length < 3) return undefined;
  let best: string | undefined;
  let bestDistance = (norm.length < 5 ? 1 : Math.max(2, Math.floor(norm.length / 3))) + 1;
  for (const candidate of candidates) {
    const other = normalize(candidate);
    const d = editDistance(norm, other);
    // A distance as long as the shorter word means nothing of it was kept.
    if (d < bestDistance && d < Math.min(norm.length, other.length)) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function normalize(word: string): string {
  return word.toLowerCase().replace(/-/g, '_');
}

function singularOf(word: string): string {
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('s') && !word.endsWith('ss') && word.length > 3) return word.slice(0, -1);
  return word;
}

/** Edit distance where swapping two neighbouring letters (`retyr`) counts as one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((rows[i - 1]?.[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (rows[i - 1]?.[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row[j] = d;
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

/** `a, b or c` for messages. */
export function listOf(items: readonly unknown[], quote = '`'): string {
  const words = items.map((i) => `${quote}${String(i)}${quote}`);
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}
