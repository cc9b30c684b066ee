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
type TaskHandle = Pick<ListrTaskWrapper<unknown, never, never>, 'title' | 'skip'>;

interface ChainChannel {
  started: Deferred<void>;
  steps: Deferred<StepResult>[];
  stepTasks: (TaskHandle | undefined)[];
  chainTask?: TaskHandle;
  ended: Deferred<ChainEndEvent>;
}

export interface ListrProgressOptions {
  renderer: 'default' | 'simple';
  style: Style;
  redactor: Redactor;
}

/**
 * Live per-step progress (SPEC 4) with listr2: one task per chain, one subtask per step. The engine
 * knows nothing of it; each task just waits for the engine's events and mirrors them.
 */
export function createListrProgress(chains: readonly ChainModel[], options: ListrProgressOptions) {
  const { style, redactor } = options;
  const channels = new Map<string, ChainChannel>();
  const byFile = (chain: { file: string }) => channels.get(chain.file);
  for (const chain of chains) {
    channels.set(chain.file, { started: deferred(), steps: chain.steps.map(() => deferred()), stepTasks: [], ended: deferred() });
  }
  const stepTitle = (chain: ChainModel, index: number) => {
    const step = chain.steps[index];
    return step ? `${step.id}${step.id !== step.actionId ? style.dim(` (${step.actionId})`) : ''}` : '';
  };

  const list = new Listr(
    chains.map((chain) => ({
      title: `${chain.chainId} ${style.dim(chain.file)}`,
      task: async (_ctx: unknown, task: TaskHandle & { newListr: ListrTaskWrapper<unknown, never, never>['newListr'] }) => {
        const channel = byFile(chain) as ChainChannel;
        channel.chainTask = task;
        await channel.started.promise;
        return task.newListr(
          chain.steps.map((step, index) => ({
            title: stepTitle(chain, index),
            task: async (_c: unknown, stepTask: TaskHandle) => {
              channel.stepTasks[index] = stepTask;
              const result = await (channel.steps[index] as Deferred<StepResult>).promise;
              const text = redactor.text(`${stepTitle(chain, index)} ${style.dim('—')} ${describeStepResult(result)}`);
              if (result.status === 'skipped') return stepTask.skip(text);
              if (result.status === 'failed' || result.status === 'cancelled') {
                stepTask.title = stepTitle(chain, index);
                throw new Error(text);
              }
              stepTask.title = text;
              return undefined;
            },
          })),
          { concurrent: false, exitOnError: false },
        );
      },
    })),
    {
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      renderer: options.renderer,
      fallbackRenderer: 'simple',
      rendererOptions: { collapseSubtasks: false, collapseErrors: false, collapseSkips: false, showErrorMessage: true },
    },
  );
  const done = list.run().catch(() => undefined);

  const onEvent = (event: ChainEvent) => {
    const channel = byFile(event);
    if (!channel) return;
    switch (event.type) {
      case 'chain_start':
        channel.started.resolve();
        break;
      case 'attempt': {
        const task = channel.stepTasks[event.step_index];
        if (task && event.error) task.title = redactor.text(`${task.title.split(' — ')[0]} — attempt ${event.attempt} failed: ${event.error.message}`);
        break;
      }
      case 'retry': {
        const task = channel.stepTasks[event.step_index];
        if (task) task.title = redactor.text(`${task.title.split(' — ')[0]} — attempt ${event.attempt} failed (${event.reason.http_status ?? event.reason.kind}); waiting ${formatWait(event.wait_ms)} (${event.wait_source === 'retry-after' ? 'Retry-After' : 'backoff'})`);
        break;
      }
      case 'step_start': {
        const task = channel.stepTasks[event.step_index];
        if (task && event.fallback) task.title = `${task.title.split(' — ')[0]} — running fallback`;
        break;
      }
      case 'step_end':
        channel.steps[event.step_index]?.resolve(event.result);
        break;
      case 'chain_end': {
        // A chain may end before a step task subscribed (e.g. cancelled before it started).
        channel.started.resolve();
        if (channel.chainTask) channel.chainTask.title = `${channel.chainTask.title.split(' — ')[0]} — ${summaryLine(event, style)}`;
        channel.ended.resolve(event);
        break;
      }
    }
  };
  return { onEvent, done: () => done };
}

export function summaryLine(e: Pick<ChainEndEvent, 'final_status' | 'termination_reason' | 'counts' | 'total_latency_ms' | 'completion_rate_percent'>, style: Style): string {
  const status = e.final_status === 'completed' ? style.green('completed') : style.red(`terminated early (${e.termination_reason ?? ''})`);
  const c = e.counts;
  const parts = [`${c.success} passed`, c.fallback ? `${c.fallback} fallback` : '', c.failed ? `${c.failed} failed` : '', c.skipped ? `${c.skipped} skipped` : '', c.cancelled ? `${c.cancelled} cancelled` : ''].filter(Boolean);
  return `${status}: ${parts.join(', ')} in ${formatMs(e.total_latency_ms)} (${e.completion_rate_percent}%)`;
}
