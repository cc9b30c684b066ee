import type { Diagnostic, Position } from './diagnostics.js';
import type { CompiledChain, OutputUse, StepReference } from './semantics.js';
import type { ParsedFile } from './source.js';

// The data the loader and the checks across files share, apart from both so neither imports the other.

/** One file as its own layers see it, before anything across files is checked. */
export interface LoadedFile {
  file: string;
  /**
   * Absolute path with every symbolic link resolved: the file's identity, so two spellings of one
   * child (or two links to it) are parsed once, and the folder its own `uses:` start from.
   */
  path: string;
  parsed: ParsedFile;
  /** Errors and warnings of the YAML, schema and semantic layers. */
  own: Diagnostic[];
  /**
   * The chain as the semantic layer read it, present whenever the YAML gave a document, errors
   * or not: the checks across files still follow its `uses:`, so every problem is said at once.
   */
  semantic?: SemanticView;
  /** Present when the file's own layers found no error. */
  compiled?: SemanticView & { positions: Position[]; at: Position };
}

/** What the checks across files read of one file's chain. */
export interface SemanticView {
  chain: CompiledChain;
  references: StepReference[];
  outputUses: OutputUse[];
}

/** One `uses:` that leads to a file. */
export interface ChildEdge {
  parent: LoadedFile;
  stepIndex: number;
  child: LoadedFile;
}

/** Records a problem found across files against the file that holds the mistake. */
export type Report = (entry: LoadedFile, d: Diagnostic) => void;
