import {
  DefaultRenderer,
  figures,
  Listr,
  ListrDefaultRendererLogLevels,
  type ListrTask,
  type ListrTaskWrapper,
  type SimpleRenderer,
} from 'listr2';
import type { ChainModel } from '../../chain/index.js';
import type { ChainResult, RunEvent, StepResult } from '../../engine/index.js';
import { locateNothing, type StepLocator } from '../../report/step-locator.js';
import type { RunSink } from '../../report/sink.js';
import type { Style } from '../style.js';
import {
  chainAt,
  createProgressView,
  placeOf,
  reduceProgress,
  settleProgress,
  stepAt,
  type ChainPlace,
  type ChainView,
  type ProgressView,
  type StepView,
} from './progress-view.js';
import { answerLines } from './answer-text.js';
import { answered, hasOutputs } from './plain-lines.js';
import { formatRecap } from './recap.js';
import { describeStepResult, runSummaryLine, summaryLine } from './step-text.js';
import { chainTitle, childLines, stepText, stepTitle } from './tree-text.js';

// listr2's wrapper type is generic over renderers we never name; this is the part we use.
type TaskHandle = Pick<
  ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof SimpleRenderer>,
  'title' | 'skip' | 'newListr'
>;
type Task = ListrTask<unknown, typeof DefaultRenderer, typeof SimpleRenderer>;

export interface LiveTreeOptions {
  style: Style;
  /**
   * Chains the run starts at once (`--concurrency`): the others are drawn waiting (◼, `queued`),
   * not with a spinner, until a place frees up. Default: all at once.
   */
  concurrency?: number;
  /** Prints the recap and the run's last line once the tree is drawn for the last time. */
  write(line: string): void;
  /** Places failed steps in the recap. Default: files only. */
  locate?: StepLocator;
  /** Show each step's answer under its line (`--show-responses`). */
  showResponses?: boolean;
  /**
   * Asked once the run is over: true erases the tree instead of leaving it (watch: a run cancelled
   * by a save is one line of its own, not a red tree of cancelled steps).
   */
  erase?: () => boolean;
}

/**
 * Live per-step progress on a terminal (SPEC 4) with listr2: a task per chain, a subtask per step,
 * redrawn in place; under a chain step, the steps of its child as it runs there (SPEC 3.3). The
 * run's events (redacted and neutralised) go through `reduceProgress` into a view; each task only
 * waits for its part of the view and draws it with `tree-text`.
 */
export function createLiveTreeSink(chains: readonly ChainModel[], options: LiveTreeOptions): RunSink {
  const { style } = options;
  // A pseudo-terminal that reports 0 columns (`script` with no size, some containers) would have
  // listr2 wrap every character onto a line of its own: take COLUMNS, else 80, as `ls` does.
  if (!process.stdout.columns) process.stdout.columns = Number(process.env.COLUMNS) || 80;
  const store = createViewStore(createProgressView(chains));

  /** A step's title as the view has it: what it is doing or came to, and a chain step's child's lines under it. */
  const stepLines = (step: StepView) =>
    [
      stepText(step, style),
      ...(options.showResponses && step.result && answered(step.result)
        ? [style.dim('answer:'), ...answerLines(step.result.response_data).map((l) => `  ${l}`)]
        : []),
      ...(step.child ? childLines(step.child, style) : []),
    ].join('\n');
  const results: ChainResult[] = [];

  /** A step's final look: passed, skipped (never ran), or failed with its error under the title. */
  const finish = (task: TaskHandle, step: StepView & { result: StepResult }) => {
    const { result } = step;
    // A step cancelled before it started never ran: it is skipped, not failed.
    if (result.status === 'skipped' || (result.status === 'cancelled' && result.started_at === null))
      return task.skip(stepText(step, style));
    const failed = result.status === 'failed' || result.status === 'cancelled';
    if (failed && !step.child?.started) {
      // listr2 shows the title and then the error: the error carries only what happened.
      task.title = stepTitle(step.ref, style);
      throw new Error(describeStepResult(result));
    }
    // A chain step's outcome is on its first line, where its child's lines cannot come between.
    task.title = stepLines(step);
    if (failed) throw new Error('');
    return undefined;
  };

  const stepTask = (place: ChainPlace, index: number): Task => {
    const initial = stepAt(store.view(), place, index);
    return {
      title: initial ? stepTitle(initial.ref, style) : '',
      // A failed step is drawn failed and the steps after it still draw their outcome.
      exitOnError: false,
      task: async (_ctx, task: TaskHandle) => {
        const unfollow = store.follow(
          place.top,
          (view) => stepAt(view, place, index),
          (step) => {
            if (step && !step.result) task.title = stepLines(step);
          },
        );
        // While an attempt is on the wire its clock moves (`3.1 s / 5 s`): a hanging step shows it.
        const clock = setInterval(() => {
          const step = stepAt(store.view(), place, index);
          if (step && !step.result && onTheWire(step)) task.title = stepLines(step);
        }, CLOCK_MS);
        const step = await store.until(place.top, (view) => {
          const s = stepAt(view, place, index);
          return s?.result ? { ...s, result: s.result } : undefined;
        });
        clearInterval(clock);
        unfollow();
        return finish(task, step);
      },
    };
  };

  /**
   * What the chain answered, after its steps, as plain lines do (issue 16): a task with no title
   * (listr2 draws none) until the chain's result comes, titled with the outputs if it has any.
   */
  const outputsTask = (top: number): Task => ({
    title: '',
    task: async (_ctx, task: TaskHandle) => {
      const chain = await store.until(top, (view) => {
        const c = chainAt(view, { top, path: [] });
        return c?.outputs || view.settled ? { outputs: c?.outputs } : undefined;
      });
      const value = chain.outputs?.value;
      if (value !== undefined && hasOutputs(value))
        task.title = [style.dim('outputs:'), ...answerLines(value).map((l) => `  ${l}`)].join('\n');
      // A chain that ended early fails its task, so its line has ✖ as in plain lines, not the ⚠
      // listr2 gives a task whose subtasks failed; this task has no title, so nothing else shows.
      const end = chainAt(store.view(), { top, path: [] })?.end;
      if (end && end.final_status !== 'completed') throw new Error('');
    },
    // The one subtask whose failure fails the chain's task: the steps' own failures do not.
    exitOnError: true,
  });

  const chainTask = (top: number): Task => {
    const place = { top, path: [] };
    const initial = chainAt(store.view(), place);
    const title = initial ? chainTitle(initial, style) : '';
    const queued = `${title} ${style.dim('— queued')}`;
    return {
      title: queued,
      task: async (_ctx, task: TaskHandle) => {
        // A fast chain can end before listr starts its task: the title follows the view, not the events.
        store.follow(
          top,
          (view) => chainAt(view, place),
          (chain) => {
            if (!chain?.end) {
              task.title = chain?.started ? title : queued;
              return true;
            }
            task.title = `${title} ${style.dim('—')} ${summaryLine(chain.end, style)}`;
            return false;
          },
        );
        // Until its first step starts or it ends: a chain cancelled before it started ends at once.
        const chain = await store.until(top, (view) => {
          const c = chainAt(view, place);
          return c && ((c.started && (c.end || c.steps.some((s) => s.started || s.result))) || view.settled)
            ? c
            : undefined;
        });
        // Cancelled (Ctrl-C, an output that failed) before it started: it never ran, so no ✔.
        if (neverStarted(chain)) return task.skip(`${title} ${style.dim('—')} cancelled before it started`);
        // On for the list, off for each step: only the last task's failure fails the chain's task
        // (listr2 would otherwise take the run's `exitOnError: false` for the list too).
        return task.newListr([...chain.steps.map((_s, i) => stepTask(place, i)), outputsTask(top)], {
          concurrent: false,
          exitOnError: true,
        });
      },
    };
  };

  const drawn = new Listr<unknown, typeof FrameRenderer, 'simple'>(
    chains.map((_c, top) => chainTask(top)),
    {
      concurrent: options.concurrency ?? true,
      exitOnError: false,
      registerSignalListeners: false,
      renderer: FrameRenderer,
      // A skipped step is one line, as in plain lines: `↓ upgrade (da-upgrade-tier) — skipped: condition … is false`.
      rendererOptions: {
        collapseSubtasks: false,
        collapseErrors: false,
        collapseSkips: true,
        showErrorMessage: true,
        // A chain's mark is its outcome, as in plain lines: ✖ when it ended early, ✔ when it
        // completed, failures with `continue` included (SPEC 6), never listr2's ⚠ or ❯.
        icon: {
          [ListrDefaultRendererLogLevels.FAILED_WITH_FAILED_SUBTASKS]: figures.cross,
          [ListrDefaultRendererLogLevels.COMPLETED_WITH_FAILED_SUBTASKS]: figures.tick,
        },
        color: {
          [ListrDefaultRendererLogLevels.COMPLETED_WITH_FAILED_SUBTASKS]: (text?: string) => style.green(text ?? ''),
        },
        ...(options.erase ? { erase: options.erase } : {}),
      },
    },
  )
    .run()
    .catch(() => undefined);

  return {
    name: 'progress',
    audience: 'human',
    event(event: RunEvent) {
      store.apply(event);
    },
    result(result, index) {
      results.push(result);
      store.setOutputs(index, result.outputs ?? null);
    },
    async end(end) {
      // Chains and steps that never started still hold their tasks open: settle them so the tree ends.
      store.settle();
      await drawn;
      options.write(formatRecap(results, options.locate ?? locateNothing, style));
      options.write(`${runSummaryLine(end, style)}\n`);
    },
  };
}

/**
 * How often the tree is drawn while it changes, ms: listr2's spinner speed. listr2 draws the whole
 * tree on every change of any task, synchronously inside the event that changed it, and measuring
 * every line's width costs milliseconds (issue 14): a fast run spent most of its time drawing, and
 * its steps waited for it. Here changes only ask for the next frame, and a run over before the
 * first frame is drawn once, at its end.
 */
const FRAME_MS = 100;
/** How often a running attempt's clock is advanced, ms. */
const CLOCK_MS = 200;
/** Lines kept formatted; a long watch session starts over past this many. */
const FORMATTED_LINES = 4096;

/**
 * listr2's default renderer, drawing at most once a frame and formatting each distinct line once.
 * (In the CLI bundle, the wrap-ansi it and log-update measure lines with answers at once for a
 * line that fits: src/cli/render/fits.ts.)
 */
class FrameRenderer extends DefaultRenderer {
  static override rendererOptions: FrameRendererOptions = DefaultRenderer.rendererOptions;
  #frame: NodeJS.Timeout | undefined;
  readonly #formatted = new Map<string, string[]>();
  readonly #erase: (() => boolean) | undefined;

  constructor(...args: ConstructorParameters<typeof DefaultRenderer>) {
    super(...args);
    this.#erase = (args[1] as FrameRendererOptions).erase;
  }

  #ended = false;

  override update(): void {
    // A title set after the last frame (a late event, a clock tick) must not draw the tree again
    // below the run's last line (issue 16: a stale second tree).
    if (this.#ended) return;
    this.#frame ??= setTimeout(() => {
      this.#frame = undefined;
      super.update();
    }, FRAME_MS);
  }

  override end(): void {
    this.#ended = true;
    clearTimeout(this.#frame);
    this.#frame = undefined;
    // listr2 decides at its end whether to leave the tree (`clearOutput`), from the options it merged
    // at its start; this run's answer is known only now.
    if (this.#erase?.()) Reflect.set(Reflect.get(this, 'options') as object, 'clearOutput', true);
    super.end();
  }

  /** A line's wrapped form depends only on its text, icon, depth and the terminal's width. */
  protected override format(message: string, icon: string, level: number): string[] {
    const key = `${process.stdout.columns}\u0000${level}\u0000${icon}\u0000${message}`;
    let lines = this.#formatted.get(key);
    if (!lines) {
      if (this.#formatted.size >= FORMATTED_LINES) this.#formatted.clear();
      lines = super.format(message, icon, level);
      this.#formatted.set(key, lines);
    }
    return lines;
  }
}

/** Ended cancelled, or not at all, with no step that began: the run stopped before it got there. */
function neverStarted(chain: ChainView): boolean {
  const cancelled = !chain.end || chain.end.termination_reason === 'cancelled';
  return cancelled && chain.steps.every((s) => !s.started && (!s.result || s.result.started_at === null));
}

/** The step, or a step of the child it runs, has an attempt in flight (at most 5 levels, SPEC 3.3). */
function onTheWire(step: StepView): boolean {
  return step.inFlight !== undefined || (step.child?.steps.some(onTheWire) ?? false);
}

type FrameRendererOptions = (typeof DefaultRenderer)['rendererOptions'] & { erase?: () => boolean };

type Watcher = (view: ProgressView) => void;

/** The current view, and tasks waiting on their top-level chain's part of it. */
interface ViewStore {
  view(): ProgressView;
  apply(event: RunEvent): void;
  /** A top-level chain's result came: its outputs, for its title. */
  setOutputs(top: number, value: unknown): void;
  settle(): void;
  /** Resolves with the first value `select` gives that is not undefined, now or after a later change. */
  until<T>(top: number, select: (view: ProgressView) => T | undefined): Promise<T>;
  /**
   * Calls `changed` now and whenever what `select` gives is another object, until `changed` returns
   * false or the returned function is called.
   */
  follow<T>(top: number, select: (view: ProgressView) => T, changed: (value: T) => boolean | void): () => void;
}

function createViewStore(initial: ProgressView): ViewStore {
  let current = initial;
  const watchers = new Map<number, Set<Watcher>>();
  const watch = (top: number, watcher: Watcher) => {
    const set = watchers.get(top) ?? new Set();
    watchers.set(top, set.add(watcher));
    return () => void set.delete(watcher);
  };
  const notify = (top: number) => {
    for (const watcher of [...(watchers.get(top) ?? [])]) watcher(current);
  };
  return {
    view: () => current,
    apply(event) {
      const next = reduceProgress(current, event);
      if (next === current || event.type === 'run_end') return;
      current = next;
      const place = placeOf(current, event);
      if (place) notify(place.top);
    },
    setOutputs(top, value) {
      current = {
        ...current,
        chains: current.chains.map((chain, i) => (i === top ? { ...chain, outputs: { value } } : chain)),
      };
      notify(top);
    },
    settle() {
      current = settleProgress(current);
      for (const top of watchers.keys()) notify(top);
    },
    until(top, select) {
      const now = select(current);
      if (now !== undefined) return Promise.resolve(now);
      return new Promise((resolve) => {
        const stop = watch(top, (view) => {
          const value = select(view);
          if (value === undefined) return;
          stop();
          resolve(value);
        });
      });
    },
    follow(top, select, changed) {
      let last = select(current);
      if (changed(last) === false) return () => undefined;
      const stop = watch(top, (view) => {
        const value = select(view);
        if (value === last) return;
        last = value;
        if (changed(value) === false) stop();
      });
      return stop;
    },
  };
}
