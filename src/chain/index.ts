export {
  loadChains,
  validateChains,
  validateFiles,
  validateParsed,
  givenRoots,
  summarizeChain,
  memoryReader,
  type LoadResult,
  type LoadOptions,
  type FileResult,
  type ValidateResult,
  type ChainSummary,
} from './load.js';
export {
  createChainLoader,
  diskReader,
  checkFile,
  type ChainLoader,
  type ChainLoaderOptions,
  type ChainReader,
  type LoadedFile,
} from './loader.js';
export { MAX_NESTING } from './composition.js';
export { EDITOR_KEYWORDS } from './editor-keywords.js';
export { readChainPath, readRegularFile } from './read.js';
export {
  BUILTIN_DEFAULTS,
  normalizeChain,
  stepIdOf,
  usesName,
  isChainStep,
  type ChainOf,
  type StepOf,
  type ActionStepOf,
  type ChainStepOf,
  type FallbackOf,
} from './normalize.js';
export {
  discoverChainFiles,
  pathProblem,
  type DiscoverOptions,
  type Discovered,
  type PathProblemOptions,
} from './discover.js';
export {
  readChainFile,
  parseChainText,
  positionOf,
  MAX_FILE_BYTES,
  MAX_ALIASES,
  type ChainSource,
  type DocPath,
  type ParsedFile,
} from './source.js';
export {
  DIAGNOSTIC_CODES,
  compareDiagnostics,
  diagnostic,
  isWarning,
  type Diagnostic,
  type Severity,
  type DiagnosticCode,
  type Position,
} from './diagnostics.js';
export {
  compileTemplate,
  parseReference,
  scanPath,
  isProblem,
  isVariableRoot,
  referencesOf,
  EXPRESSION_ROOTS,
  VARIABLE_PREFIXES,
  VARIABLE_NAME,
  type Reference,
  type ReferenceProblem,
  type Template,
  type ExpressionRoot,
  type ExpressionErrorCode,
  type ScannedPath,
  type VariableRoot,
} from './expression.js';
export { compileCondition, type CompileConditionOptions, type CompiledCondition } from './condition.js';
export {
  CONDITION_FUNCTIONS,
  COMPARISON_OPERATORS,
  type ComparisonOperator,
  type Condition,
  type ConditionFunction,
  type ConditionLiteral,
  type ConditionNode,
  type ConditionProblem,
  type ConditionProblemCode,
  type ConditionReference,
  type ConditionRoot,
  type OutputReference,
} from './condition-ast.js';
export { MAX_CONDITION_NESTING } from './condition-grammar.js';
export { type ReferenceTypeOf } from './condition-check.js';
export { evaluateCondition, type ConditionOutcome, type ConditionScope, type ObservedValue } from './condition-eval.js';
export { describeValue, type KnownType, type ValueType } from './condition-rules.js';
export { readOwnPath, type OwnPathRead } from './own-path.js';
export {
  templatesOf,
  chainsOf,
  callOf,
  conditionReferences,
  type StepConditions,
  type ChainModel,
  type StepModel,
  type ActionStepModel,
  type ChainStepModel,
  type StepFallback,
  type StepRetry,
  type InputSpec,
  type InputType,
  type InputValue,
  type OnFailure,
  type ChainDocument,
} from './model.js';
export { describePath } from './schema-errors.js';
export { closest } from './suggest.js';
