export {
  loadChains,
  validateChains,
  validateFiles,
  validateParsed,
  readChainPath,
  readRegularFile,
  type LoadResult,
  type LoadOptions,
  type FileResult,
  type ValidateResult,
  type ChainSummary,
} from './load.js';
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
  type Diagnostic,
  type DiagnosticCode,
  type Position,
} from './diagnostics.js';
export {
  compileTemplate,
  parseReference,
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
  type VariableRoot,
} from './expression.js';
export {
  BUILTIN_DEFAULTS,
  templatesOf,
  type ChainModel,
  type StepModel,
  type StepFallback,
  type StepRetry,
  type InputSpec,
  type InputType,
  type InputValue,
  type OnFailure,
  type ChainDocument,
} from './model.js';
export { describePath } from './schema-errors.js';
