import { Listr, type ListrTaskWrapper } from 'listr2';
import type { ChainModel } from '../../chain/index.js';
import type { ChainEndEvent, ChainEvent, StepResult } from '../../engine/index.js';
import type { Redactor } from '../../report/redact.js';
import type { Style } from '../style.js';
import { describeStepResult, formatMs, formatWait } from './step-text.js';

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
  ended: Deferred<ChainEndEvent>;
}

export interface ListrProgressOptions {
  /** `default` is the live tree on a TTY and plain lines elsewhere; `simple` is always plain lines. */
  renderer: 'default' | 'simple';
  /** Whether stdout, where listr2 draws, is a terminal. */
  isTTY: boolean;
  style: Style;
  redactor: Redactor;
}

/**
 * Live per-step progress (SPEC 4) with listr2: one task per chain, one subtask per step. The engine
 * knows nothing of it; each task just waits for the engine's events and mirrors them.
 */
export function createListrProgress(chains: readonly ChainModel[], options: ListrProgressOptions) {
  const { style, redactor } = options;
  const plain = options.renderer === 'simple' || !options.isTTY;
  const channels = new Map<string, ChainChannel>();
  const byFile = (chain: { file: string }) => channels.get(chain.file);
  const openChannel = (chain: ChainModel) => {
    const channel: ChainChannel = {
      started: deferred(),
      steps: chain.steps.map(() => deferred()),
      stepTasks: [],
      stepStatus: [],
      ended: deferred(),
    };
    channels.set(chain.file, channel);
    return channel;
  };
  // Plain lines of concurrent chains interleave, so there each step line names its chain.
  const prefixChain = plain && chains.length > 1;
  const stepTitle = (chain: { chainId: string; steps: ChainModel['steps'] }, index: number) => {
    const step = chain.steps[index];
    if (!step) return '';
    return `${prefixChain ? `${chain.chainId} › ` : ''}${step.id}${step.id !== step.actionId ? style.dim(` (${step.actionId})`) : ''}`;
  };
  const chainTitle = (chain: ChainModel) => `${chain.chainId} ${style.dim(chain.file)}`;
  const chainsByFile = new Map(chains.map((c) => [c.file, c]));
  // The tree redraws a title in place; plain lines print a task's output as a line of its own.
  const show = (task: TaskHandle, text: string) => {
    if (plain) task.output = text;
    else task.title = text;
  };
  const setStatus = (event: { file: string; step_index: number }, status: string) => {
    const chain = chainsByFile.get(event.file);
    const channel = channels.get(event.file);
    if (!chain || !channel) return undefined;
    const text = redactor.text(`${stepTitle(chain, event.step_index)} ${style.dim('—')} ${status}`);
    channel.stepStatus[event.step_index] = text;
    const task = channel.stepTasks[event.step_index];
    if (task) show(task, text);
    return text;
  };

  const chainTask = (chain: ChainModel) => ({
    title: chainTitle(chain),
    task: async (
      _ctx: unknown,
      task: TaskHandle & { newListr: ListrTaskWrapper<unknown, never, never>['newListr'] },
    ) => {
      const channel = byFile(chain) as ChainChannel;
      channel.chainTask = task;
      if (channel.finalTitle) task.title = channel.finalTitle;
      await channel.started.promise;
      const steps = task.newListr(
        chain.steps.map((_step, index) => ({
          title: stepTitle(chain, index),
          task: async (_c: unknown, stepTask: TaskHandle) => {
            channel.stepTasks[index] = stepTask;
            const status = channel.stepStatus[index];
            if (status) show(stepTask, status);
            const result = await (channel.steps[index] as Deferred<StepResult>).promise;
            const text = redactor.text(`${stepTitle(chain, index)} ${style.dim('—')} ${describeStepResult(result)}`);
            // A step cancelled before it started never ran: it is skipped, not failed.
            if (result.status === 'skipped' || (result.status === 'cancelled' && result.started_at === null))
              return stepTask.skip(text);
            if (result.status === 'failed' || result.status === 'cancelled') {
              // listr2 shows the title and then the error: the error carries only what happened.
              stepTask.title = stepTitle(chain, index);
              throw new Error(redactor.text(describeStepResult(result)));
            }
            stepTask.title = text;
            return undefined;
          },
        })),
        { concurrent: false, exitOnError: false },
      );
      // The tree draws a chain with a failed step as a warning; plain lines would tick it, so
      // there the chain waits for its steps and fails itself when it ended early.
      if (!plain) return steps;
      await steps.run();
      const end = await channel.ended.promise;
      if (end.final_status !== 'completed') {
        task.title = chainTitle(chain);
        throw new Error(summaryLine(end, style));
      }
    },
  });
  const listOptions = {
    concurrent: true,
    exitOnError: false,
    registerSignalListeners: false,
    renderer: plain ? 'simple' : 'default',
    rendererOptions: { collapseSubtasks: false, collapseErrors: false, collapseSkips: false, showErrorMessage: true },
  } as const;

  // The tree is one list of every chain, redrawn in place. Plain lines need no shared screen, so
  // there each chain gets a list of its own when it starts, and is forgotten when it ends: a run
  // of thousands of chains does not hold thousands of finished tasks.
  const running = new Set<Promise<unknown>>();
  if (!plain) {
    for (const chain of chains) openChannel(chain);
    running.add(new Listr(chains.map(chainTask), listOptions).run().catch(() => undefined));
  }
  const startPlain = (chain: ChainModel) => {
    openChannel(chain);
    const run: Promise<unknown> = new Listr([chainTask(chain)], listOptions)
      .run()
      .catch(() => undefined)
      .finally(() => {
        running.delete(run);
        channels.delete(chain.file);
      });
    running.add(run);
  };

  const onEvent = (event: ChainEvent) => {
    if (plain && event.type === 'chain_start') {
      const chain = chainsByFile.get(event.file);
      if (chain) startPlain(chain);
    }
    const channel = byFile(event);
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
        channel.ended.resolve(event);
        break;
      }
    }
  };
  return { onEvent, done: () => Promise.all([...running]).then(() => undefined) };
}

export function summaryLine(
  e: Pick<
    ChainEndEvent,
    'final_status' | 'termination_reason' | 'counts' | 'total_latency_ms' | 'completion_rate_percent'
  >,
  style: Style,
): string {
  const status =
    e.final_status === 'completed'
      ? style.green('completed')
      : style.red(`terminated early (${e.termination_reason ?? ''})`);
  const c = e.counts;
  const parts = [
    `${c.success} passed`,
    c.fallback ? `${c.fallback} fallback` : '',
    c.failed ? `${c.failed} failed` : '',
    c.skipped ? `${c.skipped} skipped` : '',
    c.cancelled ? `${c.cancelled} cancelled` : '',
  ].filter(Boolean);
  return `${status}: ${parts.join(', ')} in ${formatMs(e.total_latency_ms)} (${e.completion_rate_percent}%)`;
}
