import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';

/**
 * The GitHub repository the composite action is published from, as package.json's `repository`
 * names it. The generated workflows call `${ACTION_REPOSITORY}/.github/actions/cxchain@v<version>`.
 */
export const ACTION_REPOSITORY = 'cxchain/cxchain';

/**
 * The action as generated workflows `uses:` it: the release tag of the cxchain that wrote them, so
 * the workflows run the same cxchain the user tried locally, and an upgrade is one visible edit.
 */
export function actionReference(version: string): string {
  return `${ACTION_REPOSITORY}/.github/actions/cxchain@v${version}`;
}

/**
 * How a chains repository installs this cxchain: from its git tag, since the name `cxchain` on the
 * npm registry is not this project's (issue 15). npm builds a git dependency with `prepare`.
 */
export function packageSpec(version: string): string {
  return `github:${ACTION_REPOSITORY}#v${version}`;
}

/** What templates write in place of the action reference and of the install spec. */
const ACTION_PLACEHOLDER = '__CXCHAIN_ACTION__';
const PACKAGE_PLACEHOLDER = '__CXCHAIN_PACKAGE__';

/**
 * Where the build puts the templates (src/cli/build-cli.mjs copies src/cli/init/templates/ there):
 * inside dist/, which the package ships, so SPEC 1's top level gains nothing.
 */
export const TEMPLATES_DIR = join(PACKAGE_ROOT, 'dist', 'init-templates');

/**
 * Each file `cxchain init` writes, from which template. The templates are flat and `.gitignore` is
 * stored as `gitignore`: npm leaves a package's `.gitignore` files out of what it publishes.
 */
export const INIT_FILES = [
  { path: 'chains/example.yaml', template: 'example.yaml' },
  { path: '.github/workflows/chains-pr.yml', template: 'chains-pr.yml' },
  { path: '.github/workflows/chains-deploy.yml', template: 'chains-deploy.yml' },
  // A repository usually has a .gitignore already: the lines it lacks are added to it (as `cargo
  // init` does), never a line taken away.
  { path: '.gitignore', template: 'gitignore', merge: 'lines' },
  { path: 'README.cxchain.md', template: 'README.cxchain.md' },
] as const;

export interface InitFile {
  /** Relative to the folder being initialised, with `/`. */
  path: string;
  text: string;
  /** `lines`: an existing file is kept and gets the lines it lacks appended. Default: never touch one. */
  merge?: 'lines';
}

/** The files with their text, the action reference filled in. */
export async function renderInitFiles(version: string, templatesDir = TEMPLATES_DIR): Promise<InitFile[]> {
  const action = actionReference(version);
  return Promise.all(
    INIT_FILES.map(async ({ path, template, ...rest }) => ({
      path,
      ...('merge' in rest ? { merge: rest.merge } : {}),
      text: (await readFile(join(templatesDir, template), 'utf8'))
        .replaceAll(ACTION_PLACEHOLDER, action)
        .replaceAll(PACKAGE_PLACEHOLDER, packageSpec(version)),
    })),
  );
}
