/** The colours reports use; the CLI passes ANSI ones on a TTY, everything else gets `PLAIN`. */
export interface TextStyle {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const same = (s: string): string => s;

export const PLAIN: TextStyle = { red: same, green: same, yellow: same, cyan: same, dim: same, bold: same };
