import { WriteStream } from 'node:tty';
import type { TextStyle } from '../report/text-style.js';
import { isLiveTerminal } from './output.js';

/** ANSI styling that switches itself off off a TTY, with NO_COLOR, TERM=dumb, or FORCE_COLOR=0. */
export interface Style extends TextStyle {
  enabled: boolean;
}

export function createStyle(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): Style {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  const enabled =
    !('NO_COLOR' in env && env.NO_COLOR !== '') &&
    env.FORCE_COLOR !== '0' &&
    (forced || (stream instanceof WriteStream && isLiveTerminal(stream, env)));
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return {
    enabled,
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  };
}
