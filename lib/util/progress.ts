/**
 * A small progress bar for long loops, in a terminal and in a Jupyter notebook.
 *
 * In a terminal it redraws one line (`\r`); in a Jupyter notebook it is an HTML progress bar
 * updated in place (so the exported HTML keeps the final state); in a log (CI, a pipe) it prints
 * a line every 10 %, so logs stay short. Pass `{ silent: true }` to turn it off.
 *
 * @example
 * ```ts
 * const files = ["a.wav", "b.wav"];
 * const work = (file: string) => Deno.stat(file);
 * const bar = new ProgressBar("features", files.length);
 * for (const file of files) { await work(file); bar.tick(); }
 * bar.finish();
 * ```
 * @module
 */

/** Options of {@link ProgressBar}. */
export interface ProgressOptions {
  /** Print nothing. */
  silent?: boolean;
  /** Bar width in characters (default 30). */
  width?: number;
  /** Force line-by-line logging (default: when not a TTY and not in Jupyter). */
  logMode?: boolean;
  /** Where to write (default: stderr in a terminal, stdout in Jupyter so the cell shows it). */
  write?: (text: string) => void;
  /**
   * Items already done when the bar starts (e.g. the epochs of a resumed training run): counted
   * in the bar, left out of the rate and the ETA (default 0).
   */
  initial?: number;
}

/** True inside a Deno Jupyter kernel. */
export function inJupyter(): boolean {
  try {
    // Outside `deno jupyter` the getter throws rather than returning undefined.
    return typeof (Deno as any).jupyter?.display === "function";
  } catch {
    return false;
  }
}

/** True when stderr is a terminal (where bars redraw one line). */
export function isTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

/**
 * A duration for people: `4.2s`, `3m07s`, `2h05m`; `?` when unknown (not finite).
 *
 * @param seconds the duration in seconds
 * @example
 * ```ts
 * formatDuration(187); // "3m07s"
 * ```
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  if (seconds >= 3600) {
    const hours = Math.floor(seconds / 3600);
    return `${hours}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}m`;
  }
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, "0")}s`;
}

/** A text progress bar with count, rate and ETA. */
export class ProgressBar {
  #done = 0;
  #initial = 0;
  #start = performance.now();
  #lastDraw = 0;
  #lastLoggedDecile = -1;
  #suffix = "";
  readonly #write: (text: string) => void;
  readonly #logMode: boolean;
  /** Set in Jupyter (and no custom `write`): render as an updatable HTML display. */
  readonly #jupyterDisplayId: string | undefined;
  #displayed = false;
  #displayQueue: Promise<void> = Promise.resolve();

  constructor(
    readonly label: string,
    readonly total: number,
    readonly options: ProgressOptions = {},
  ) {
    this.#initial = Math.max(0, Math.min(total, options.initial ?? 0));
    this.#done = this.#initial;
    const jupyter = inJupyter();
    this.#logMode = options.logMode ?? (!isTerminal() && !jupyter);
    this.#jupyterDisplayId = jupyter && !options.write && !options.logMode
      ? `ser-progress-${crypto.randomUUID()}`
      : undefined;
    const encoder = new TextEncoder();
    this.#write = options.write ??
      (jupyter
        ? (text) => Deno.stdout.writeSync(encoder.encode(text))
        : (text) => Deno.stderr.writeSync(encoder.encode(text)));
  }

  /** Items finished so far. */
  get done(): number {
    return this.#done;
  }

  /** Seconds since the bar was created. */
  get elapsedSeconds(): number {
    return (performance.now() - this.#start) / 1000;
  }

  /** Marks `n` more items finished; `suffix` is shown after the counts (e.g. a loss). */
  tick(n = 1, suffix?: string): void {
    this.#done = Math.min(this.total, this.#done + n);
    if (suffix !== undefined) this.#suffix = suffix;
    this.#render(false);
  }

  /** Finishes the bar (draws 100 % and a newline). */
  finish(suffix?: string): void {
    if (suffix !== undefined) this.#suffix = suffix;
    this.#render(true);
  }

  #line(): string {
    const total = Math.max(1, this.total);
    const fraction = this.#done / total;
    const width = this.options.width ?? 30;
    const filled = Math.round(fraction * width);
    const elapsed = this.elapsedSeconds;
    const rate = (this.#done - this.#initial) / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (this.total - this.#done) / rate : Infinity;
    const bar = "#".repeat(filled) + "-".repeat(width - filled);
    return `${this.label} [${bar}] ${this.#done}/${this.total} ` +
      `${(fraction * 100).toFixed(0)}% ${rate.toFixed(1)}/s ` +
      `elapsed ${formatDuration(elapsed)} eta ${formatDuration(eta)}` +
      (this.#suffix ? ` ${this.#suffix}` : "");
  }

  /**
   * Clears the bar's terminal line, so a log line can be printed without mixing into it (the
   * next tick draws the bar again). Does nothing in Jupyter or a log.
   */
  clearLine(): void {
    if (this.options.silent || this.#jupyterDisplayId || this.#logMode) return;
    this.#write("\r\x1b[2K");
  }

  /** Resolves when every notebook display update sent so far has been handed to Jupyter. */
  flushed(): Promise<void> {
    return this.#displayQueue;
  }

  #renderJupyter(final: boolean): void {
    const now = performance.now();
    if (!final && now - this.#lastDraw < 250 && this.#done < this.total) return;
    this.#lastDraw = now;
    const line = this.#line();
    const escaped = line.replace(/&/g, "&amp;").replace(/</g, "&lt;");
    // The text wraps inside the output box (a long suffix of metrics would otherwise run off
    // its edge), and the HTML bar replaces the text one.
    const text = escaped.replace(/\[[#-]+\] /, "");
    const html = `<div style="font-family: monospace; white-space: pre-wrap; ` +
      `overflow-wrap: anywhere; max-width: 100%">` +
      `<progress value="${this.#done}" max="${Math.max(1, this.total)}" ` +
      `style="width: min(240px, 40%); vertical-align: middle"></progress> ${text}</div>`;
    const update = this.#displayed;
    this.#displayed = true;
    const displayId = this.#jupyterDisplayId;
    const jupyter = (Deno as any).jupyter;
    // Displays are sent in order; a failed update must not break the loop being measured.
    this.#displayQueue = this.#displayQueue
      .then(() =>
        jupyter.display({ "text/plain": line, "text/html": html }, {
          raw: true,
          display_id: displayId,
          update,
        })
      )
      .catch(() => {});
  }

  #render(final: boolean): void {
    if (this.options.silent) return;
    if (this.#jupyterDisplayId) {
      this.#renderJupyter(final);
      return;
    }
    if (this.#logMode) {
      const decile = Math.floor((this.#done / Math.max(1, this.total)) * 10);
      // The 100 % line is left to finish(), so it is printed once, with its suffix.
      if (final || (decile > this.#lastLoggedDecile && decile < 10)) {
        this.#lastLoggedDecile = decile;
        this.#write(this.#line() + "\n");
      }
      return;
    }
    const now = performance.now();
    if (!final && now - this.#lastDraw < 100 && this.#done < this.total) return;
    this.#lastDraw = now;
    this.#write("\r" + this.#line() + (final ? "\n" : ""));
  }
}
