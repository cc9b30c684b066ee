import { chainsOf, type ChainModel, type Position } from '../chain/index.js';

/** Where a step is written in its chain file; results carry only the file and the step index. */
export type StepLocator = (file: string, stepIndex: number) => Position | undefined;

/** Finds steps in the chains that were run and in every child they use (SPEC 3.3), by file and index. */
export function stepLocatorOf(chains: readonly ChainModel[]): StepLocator {
  const byFile = new Map(chains.flatMap(chainsOf).map((c) => [c.file, c]));
  return (file, index) => {
    const step = byFile.get(file)?.steps[index];
    return step && { line: step.line, column: step.column };
  };
}

/** For results whose chains are not at hand (a library caller's): no step is placed. */
export const locateNothing: StepLocator = () => undefined;
