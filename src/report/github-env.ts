/**
 * Whether cxchain runs as a GitHub Actions step; the runner sets `GITHUB_ACTIONS=true`. A module of
 * its own, so a command can ask without loading the GitHub reporters (issue 14).
 */
export function isGithubActions(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true';
}
