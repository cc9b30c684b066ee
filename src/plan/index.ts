export { createPlan, type CreatePlanOptions } from './create-plan.js';
export { diffChainDocuments, type ChainDiff, type StepLine } from './diff-chain.js';
export { GitError, openGitRepo, type GitRepo, type TreeFile } from './git.js';
export { revisionOf, revisionProblem } from './revision.js';
export { deepEqual, diffValues, type ValueChange } from './values.js';
export {
  PLAN_CODES,
  type ChangeCategory,
  type FieldChange,
  type PlanCode,
  type PlanEntry,
  type PlanResult,
  type PlanStatus,
  type PlanSummary,
  type RevisionProblem,
  type StepChange,
} from './types.js';
