import { appendFileSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { isGithubActions } from './github-env.js';
import { OutputError } from './output-file.js';

/** GitHub Actions workflow commands (SPEC 8), escaped per the runner's rules. */

/** Escapes a command's message: `%`, CR and LF, so a multi-line message stays one command. */
export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a property value: as data, plus `:` and `,`, which would end the value early. */
export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface Annotation {
  /** Default `error`. */
  level?: AnnotationLevel;
  /** Path relative to the repository root, which is how GitHub places an annotation on a diff. */
  file?: string;
  line?: number;
  column?: number;
  title?: string;
  message: string;
}

/** `::error file=…,line=…,col=…,title=…::message` */
export function formatAnnotation(a: Annotation): string {
  const props: string[] = [];
  if (a.file) props.push(`file=${escapeProperty(a.file)}`);
  if (a.line) props.push(`line=${a.line}`);
  if (a.column) props.push(`col=${a.column}`);
  if (a.title) props.push(`title=${escapeProperty(a.title)}`);
  return `::${a.level ?? 'error'}${props.length ? ` ${props.join(',')}` : ''}::${escapeData(a.message)}`;
}

export { isGithubActions };

/**
 * Where an annotation should point. cxchain names files relative to its working directory; GitHub
 * wants them relative to the checkout (`GITHUB_WORKSPACE`), which differs when a step sets
 * `working-directory`. Paths outside the workspace are left as they are.
 */
export function annotationPath(file: string, cwd: string, env: NodeJS.ProcessEnv): string {
  const workspace = env.GITHUB_WORKSPACE;
  if (!workspace) return file.split(sep).join('/');
  const rel = relative(resolve(workspace), resolve(cwd, file));
  const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  return (inside ? rel : file).split(sep).join('/');
}

/** A problem with a place in a file: validation diagnostics and plan findings alike. */
export interface LocatedProblem {
  code: string;
  /** `warning` is annotated as a warning; absent or `error` takes the caller's level. */
  severity?: 'error' | 'warning' | undefined;
  message: string;
  hint?: string | undefined;
  file: string;
  line?: number | undefined;
  column?: number | undefined;
}

export interface AnnotationPlace {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** One annotation line per problem, titled with its code, the fix on a second line. */
export function formatProblemAnnotations(
  problems: readonly LocatedProblem[],
  place: AnnotationPlace,
  level: AnnotationLevel = 'error',
): string {
  return problems
    .map((p) => {
      const annotation: Annotation = {
        // A warning stays a warning on the pull request, whatever level the caller asked for.
        level: p.severity === 'warning' ? 'warning' : level,
        file: annotationPath(p.file, place.cwd, place.env),
        title: p.code,
        message: p.hint ? `${p.message}\nfix: ${p.hint}` : p.message,
      };
      if (p.line) annotation.line = p.line;
      if (p.column) annotation.column = p.column;
      return `${formatAnnotation(annotation)}\n`;
    })
    .join('');
}

/**
 * Appends Markdown to the job summary (`$GITHUB_STEP_SUMMARY`). Several cxchain steps of one job
 * each add their section, so the file is appended to, never replaced. The summary is a courtesy:
 * a file that cannot be written is a warning (SPEC 6), returned for the caller to print.
 */
export function appendStepSummary(markdown: string, env: NodeJS.ProcessEnv): { warning?: string } {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file || !isGithubActions(env)) return {};
  try {
    appendFileSync(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
    return {};
  } catch (error) {
    return { warning: `the job summary was not written: ${new OutputError(file, error).message}` };
  }
}

/**
 * Links a file and line to its page on GitHub at the commit being built, when the runner says
 * where that is (`GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`, `GITHUB_SHA`); undefined elsewhere.
 */
export function githubFileLinker(place: AnnotationPlace): ((file: string, line: number) => string) | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_SHA: sha } = place.env;
  if (!server || !repository || !sha) return undefined;
  return (file, line) =>
    `${server}/${repository}/blob/${sha}/${annotationPath(file, place.cwd, place.env).split('/').map(encodeURIComponent).join('/')}#L${line}`;
}
