/**
 * Training progress for people and for programs. formatProgress is pure (tested); ProgressReporter decides how
 * to show it: a live `\r` line on a TTY, a plain line every `plainEverySec` otherwise, nothing ('quiet'), or one
 * JSON object per update ('json', for tools that drive `jasr train`).
 */

export interface ProgressInfo {
  epoch: number;
  epochs: number;
  /** Steps done in this epoch, and steps per epoch. */
  stepInEpoch: number;
  stepsPerEpoch: number;
  /** Steps done in total, and the planned total (epochs × steps per epoch, or the step budget). */
  step: number;
  totalSteps: number;
  imagesPerSec: number;
  /** Seconds left at the current speed; null before the speed is known. */
  etaSec: number | null;
  lr: number;
  /** Loss terms of the latest step; `total` first when present. */
  loss: Record<string, number>;
}

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'quiet' | 'json';

/** 3725 → '1h02m', 75 → '1m15s', 9 → '9s'. */
export function formatDuration(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return '--';
  const s = Math.max(0, Math.round(sec));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** 4 significant digits, switching to exponent form for very small or large values. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(2);
  return v.toPrecision(4);
}

/** e.g. `epoch 3/40 [######------] 120/600 | 2.31 img/s | ETA 1h02m | lr 5.00e-5 | total 58.11 pixel 0.0866 heatmap 58.02` */
export function formatProgress(p: ProgressInfo, barWidth = 20): string {
  const frac = p.stepsPerEpoch > 0 ? Math.min(1, p.stepInEpoch / p.stepsPerEpoch) : 0;
  const filled = Math.round(frac * barWidth);
  const bar = '#'.repeat(filled) + '-'.repeat(barWidth - filled);
  const names = Object.keys(p.loss).sort((a, b) => (a === 'total' ? -1 : b === 'total' ? 1 : a.localeCompare(b)));
  const loss = names.map((k) => `${k} ${formatNumber(p.loss[k])}`).join(' ');
  return [
    `epoch ${p.epoch}/${p.epochs} [${bar}] ${p.stepInEpoch}/${p.stepsPerEpoch}`,
    `${p.imagesPerSec.toFixed(2)} img/s`,
    `ETA ${formatDuration(p.etaSec)}`,
    `lr ${p.lr.toExponential(2)}`,
    loss,
  ].join(' | ');
}

export interface ProgressReporterOptions {
  mode: ProgressMode;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** In 'plain' mode, the least time between two lines. */
  plainEverySec?: number;
  /** Clock in ms, injectable for tests. */
  now?: () => number;
}

export class ProgressReporter {
  readonly mode: Exclude<ProgressMode, 'auto'>;
  private readonly stream: NodeJS.WritableStream;
  private readonly plainEveryMs: number;
  private readonly now: () => number;
  private lastPlainMs = -Infinity;
  private liveLine = false;

  constructor(opts: ProgressReporterOptions) {
    this.stream = opts.stream ?? process.stderr;
    const isTty = Boolean((this.stream as { isTTY?: boolean }).isTTY);
    this.mode = opts.mode === 'auto' ? (isTty ? 'tty' : 'plain') : opts.mode;
    this.plainEveryMs = (opts.plainEverySec ?? 30) * 1000;
    this.now = opts.now ?? Date.now;
  }

  update(p: ProgressInfo): void {
    if (this.mode === 'quiet') return;
    if (this.mode === 'json') {
      this.stream.write(JSON.stringify({ type: 'progress', ...p }) + '\n');
    } else if (this.mode === 'tty') {
      this.stream.write(`\r\x1b[K${formatProgress(p)}`);
      this.liveLine = true;
    } else {
      const t = this.now();
      const epochDone = p.stepInEpoch === p.stepsPerEpoch;
      if (t - this.lastPlainMs >= this.plainEveryMs || epochDone) {
        this.stream.write(formatProgress(p) + '\n');
        this.lastPlainMs = t;
      }
    }
  }

  /** A line that stays (epoch summary, resume notice). */
  message(text: string, data: Record<string, unknown> = {}): void {
    if (this.mode === 'quiet') return;
    if (this.mode === 'json') {
      this.stream.write(JSON.stringify({ type: 'message', text, ...data }) + '\n');
      return;
    }
    if (this.liveLine) this.stream.write('\n');
    this.liveLine = false;
    this.stream.write(text + '\n');
  }

  done(): void {
    if (this.liveLine) this.stream.write('\n');
    this.liveLine = false;
  }
}
