// What the CLI bundle gives listr2 and log-update for wrap-ansi and cli-truncate
// (src/cli/build-cli.mjs): the same functions, which answer at once for text that fits.
// wrap-ansi and cli-truncate measure text with string-width, whose module builds an
// Intl.Segmenter (about 19 ms) and whose emoji regex takes about 30 ms to compile, while nearly
// every line of a frame plainly fits (issue 14: a run on a terminal took 1.3× the time of the
// same run redirected). The real modules are loaded the first time a line might not fit.

/**
 * What wrap-ansi makes of `text` when every line of it fits in `columns`, or undefined when one
 * might not. A character is at most 2 columns wide and printable ASCII 1, and colour codes take
 * none, so a line within `columns` by this count is within them by any. wrap-ansi then returns
 * each line as it is, after NFC normalisation and with CRLF as LF.
 */
export function unwrapped(text: string, columns: number): string | undefined {
  const normal = text.normalize().replaceAll('\r\n', '\n');
  let width = 0;
  for (let i = 0; i < normal.length; i++) {
    const c = normal.charCodeAt(i);
    if (c === 0x0a) {
      width = 0;
      continue;
    }
    if (c === 0x1b && normal[i + 1] === '[') {
      // An SGR sequence (ESC [ digits and semicolons m) has no width.
      let j = i + 2;
      while (j < normal.length && /[0-9;]/.test(normal[j] as string)) j++;
      if (normal[j] === 'm') {
        i = j;
        continue;
      }
    }
    width += c >= 0x20 && c <= 0x7e ? 1 : 2;
    if (width > columns) return undefined;
  }
  return normal;
}

type WrapAnsi = (text: string, columns: number, options?: { trim?: boolean }) => string;

/** wrap-ansi as listr2 and log-update call it (`trim: false`), loading the real one only when a line might not fit. */
export function lazyWrapAnsi(load: () => WrapAnsi): WrapAnsi {
  let real: WrapAnsi | undefined;
  return (text, columns, options) =>
    (options?.trim === false ? unwrapped(text, columns) : undefined) ?? (real ??= load())(text, columns, options);
}

/** A function loaded the first time it is called: listr2 imports cli-truncate, and calls it only with `formatOutput: 'truncate'`. */
export function onFirstCall<A extends unknown[], R>(load: () => (...args: A) => R): (...args: A) => R {
  let real: ((...args: A) => R) | undefined;
  return (...args) => (real ??= load())(...args);
}
