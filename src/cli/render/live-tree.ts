import { Listr, type ListrTaskWrapper } from 'listr2';
import { callOf, type ChainModel } from '../../chain/index.js';
import { notRunResult, refOf, type RunEvent, type StepResult } from '../../engine/index.js';
import { neutralize } from '../../report/neutralize.js';
import type { RunSink } from '../../report/sink.js';
import type { Style } from '../style.js';
import { describeStepResult, formatWait, runSummaryLine, summaryLine } from './step-text.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

// listr2's wrapper type is generic over renderers we never name; this is the part we use.
type TaskHandle = Pick<ListrTaskWrapper<unknown, never, never>, 'title' | 'skip' | 'output'>;

interface ChainChannel {
  started: Deferred<void>;
  steps: Deferred<StepResult>[];
  stepTasks: (TaskHandle | undefined)[];
  /** The latest live status of each step; events can come before listr has started the step's task. */
  stepStatus: (string | undefined)[];
  chainTask?: TaskHandle;
  /** The chain's title with its summary, once it ended (a fast chain can end before listr starts its task). */
  finalTitle?: string;
}

export interface LiveTreeOptions {
  style: Style;
  /** Prints the run's last line once the tree is drawn for the last time. */
  write(line: string): void;
}

/**
 * Live per-step progress on a terminal (SPEC 4) with listr2: one task per chain, one subtask per
 * step, redrawn in place. The engine knows nothing of it; each task waits for the run's events,
 * which arrive redacted and neutralised. Titles from the chain files are neutralised here.
 */
export function createLiveTreeSink(chains: readonly ChainModel[], options: LiveTreeOptions): RunSink {
  const { style } = options;
  const channels = new Map<string, ChainChannel>();
  const stepTitle = (chain: ChainModel, index: number) => {
    const step = chain.steps[index];
    if (!step) return '';
    const call = callOf(step);
    return `${neutralize(step.id)}${step.id !== call ? style.dim(` (${neutralize(call)})`) : ''}`;
  };
  const chainTitle = (chain: ChainModel) => `${neutralize(chain.chainId)} ${style.dim(neutralize(chain.file))}`;
  const chainsByFile = new Map(chains.map((c) => [c.file, c]));
  const setStatus = (event: { file: string; step_index: number }, status: string) => {
    const chain = chainsByFile.get(event.file);
    const channel = channels.get(event.file);
    if (!chain || !channel) return undefined;
    const text = `${stepTitle(chain, event.step_index)} ${style.dim('—')} ${status}`;
    channel.stepStatus[event.step_index] = text;
    const task = channel.stepTasks[event.step_index];
    if (task) task.title = text;
    return text;
  };

  const chainTask = (chain: ChainModel) => ({
    title: chainTitle(chain),
    task: async (
      _ctx: unknown,
      task: TaskHandle & { newListr: ListrTaskWrapper<unknown, never, never>['newListr'] },
    ) => {
      const channel = channels.get(chain.file) as ChainChannel;
      channel.chainTask = task;
      if (channel.finalTitle) task.title = channel.finalTitle;
      await channel.started.promise;
      return task.newListr(
        chain.steps.map((_step, index) => ({
          title: stepTitle(chain, index),
          task: async (_c: unknown, stepTask: TaskHandle) => {
            channel.stepTasks[index] = stepTask;
            const status = channel.stepStatus[index];
            if (status) stepTask.title = status;
            const result = await (channel.steps[index] as Deferred<StepResult>).promise;
            const text = `${stepTitle(chain, index)} ${style.dim('—')} ${describeStepResult(result)}`;
            // A step cancelled before it started never ran: it is skipped, not failed.
            if (result.status === 'skipped' || (result.status === 'cancelled' && result.started_at === null))
              return stepTask.skip(text);
            if (result.status === 'failed' || result.status === 'cancelled') {
              // listr2 shows the title and then the error: the error carries only what happened.
              stepTask.title = stepTitle(chain, index);
              throw new Error(describeStepResult(result));
            }
            stepTask.title = text;
            return undefined;
          },
        })),
        { concurrent: false, exitOnError: false },
      );
    },
  });

  for (const chain of chains)
    channels.set(chain.file, {
      started: deferred(),
      steps: chain.steps.map(() => deferred()),
      stepTasks: [],
      stepStatus: [],
    });
  const drawn = new Listr(chains.map(chainTask), {
    concurrent: true,
    exitOnError: false,
    registerSignalListeners: false,
    renderer: 'default',
    rendererOptions: { collapseSubtasks: false, collapseErrors: false, collapseSkips: false, showErrorMessage: true },
  })
    .run()
    .catch(() => undefined);

  return {
    name: 'progress',
    audience: 'human',
    event(event: RunEvent) {
      if (event.type === 'run_end') return;
      // Until the tree nests them, a child chain's events are told by its chain step's own.
      if (event.parent) return;
      const channel = channels.get(event.file);
      if (!channel) return;
      switch (event.type) {
        case 'chain_start':
          channel.started.resolve();
          break;
        case 'retry': {
          const waiting = setStatus(
            event,
            `attempt ${event.attempt} failed (${event.reason.http_status ?? event.reason.kind}); waiting ${formatWait(event.wait_ms)} (${event.wait_source === 'retry-after' ? 'Retry-After' : 'backoff'})`,
          );
          // No event marks the end of the wait; the renderer knows its length.
          setTimeout(() => {
            if (channel.stepStatus[event.step_index] === waiting)
              setStatus(event, `attempt ${event.attempt + 1}${event.fallback ? ' of the fallback' : ''}`);
          }, event.wait_ms).unref();
          break;
        }
        case 'step_start':
          if (event.fallback) setStatus(event, 'running fallback');
          break;
        case 'step_end':
          channel.steps[event.step_index]?.resolve(event.result);
          break;
        case 'chain_end': {
          // A chain may end before a step task subscribed (e.g. cancelled before it started).
          channel.started.resolve();
          const chain = chainsByFile.get(event.file);
          channel.finalTitle = `${chain ? chainTitle(chain) : event.chain_id} — ${summaryLine(event, style)}`;
          if (channel.chainTask) channel.chainTask.title = channel.finalTitle;
          break;
        }
      }
    },
    async end(end) {
      // Chains that never started still hold their tasks open: settle them so the tree ends.
      for (const [file, channel] of channels) {
        channel.started.resolve();
        const chain = chainsByFile.get(file);
        chain?.steps.forEach((step, index) => channel.steps[index]?.resolve(notRunResult(refOf(step), 'cancelled')));
      }
      await drawn;
      options.write(`${runSummaryLine(end, style)}\n`);
    },
  };
}
