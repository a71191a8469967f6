/**
 * The librosa anchor: runs `shared/anchors/librosa_features_bench.py` (the seed's feature
 * pipeline in librosa 0.9.2, one process, one core) as a subprocess and reads its JSON, plus the
 * Python process' peak RSS and its loop's CPU seconds, so our extractor can be compared with it in the same run.
 *
 * Needs `/usr/bin/python3` with numpy, scipy, numba, resampy and soundfile (Debian packages
 * python3-numba python3-scipy python3-resampy python3-soundfile python3-audioread python3-pooch
 * python3-lazy-loader python3-joblib python3-decorator python3-sklearn) and librosa 0.9.2's
 * source on `PYTHONPATH` (`librosaPath`).
 *
 * @example
 * ```ts
 * const probe = await probeLibrosa({ librosaPath: ".cache/librosa-0.9.2" });
 * if (probe.available) {
 *   const result = await runLibrosaAnchor({ dataDir: "../shared/data/TESS", resType: "kaiser_fast",
 *     librosaPath: ".cache/librosa-0.9.2", script: "../shared/anchors/librosa_features_bench.py" });
 *   console.log(result.filesPerSecond);
 * }
 * ```
 * @module
 */

/** Resamplers the anchor accepts (`--res-type`). */
export type LibrosaResType = "kaiser_best" | "kaiser_fast" | "polyphase";

/** Where Python and librosa are. */
export interface PythonSetup {
  /** Python interpreter (default `/usr/bin/python3`, where the Debian packages go). */
  python?: string;
  /** Folder holding librosa's source (the folder with `librosa/` inside); put on PYTHONPATH. */
  librosaPath?: string;
}

/** Whether librosa imports, and why not. */
export type LibrosaProbe =
  | { available: true; version: string }
  | { available: false; reason: string };

/** Options of {@link runLibrosaAnchor}. */
export interface LibrosaAnchorOptions extends PythonSetup {
  /** Folder of WAV/FLAC files (searched recursively, sorted by path). */
  dataDir: string;
  /** Path of `librosa_features_bench.py`. */
  script: string;
  /** Resampler (default `kaiser_best`, librosa 0.9's default). */
  resType?: LibrosaResType;
  /** Only the first `limit` files (in sorted path order). */
  limit?: number;
}

/** The anchor's measurement. */
export interface LibrosaResult {
  /** e.g. `librosa 0.9.2 (kaiser_best)`. */
  tool: string;
  resType: LibrosaResType;
  files: number;
  /** Wall seconds of the timed loop (after one warm-up file). */
  seconds: number;
  filesPerSecond: number;
  /** Seconds of (trimmed) audio per wall second. */
  realTimeFactor: number;
  /** Peak RSS of the Python process in bytes (`VmHWM`), when reported. */
  peakRssBytes?: number;
  /** CPU seconds (all threads) the timed loop used, when reported. */
  cpuSeconds?: number;
}

const DEFAULT_PYTHON = "/usr/bin/python3";

// Peak RSS comes from /proc/self/status VmHWM (this process image only): Linux carries
// ru_maxrss across fork + exec, so it would report the Deno parent's peak instead.
// Runs the anchor unchanged, then reports the interpreter's peak RSS and the CPU seconds of its
// timed loop as one more JSON line. The anchor reads time.perf_counter() exactly twice (start
// and end of the loop; librosa, numba and resampy never call it), so recording the process CPU
// time at each call brackets the loop without editing the script.
const WRAPPER = [
  "import sys, runpy, resource, json, time",
  "marks = []",
  "wall = time.perf_counter",
  "def perf_counter():",
  "    marks.append(time.process_time())",
  "    return wall()",
  "time.perf_counter = perf_counter",
  "script = sys.argv[1]",
  "sys.argv = sys.argv[1:]",
  "try:",
  "    runpy.run_path(script, run_name='__main__')",
  "finally:",
  "    cpu = marks[-1] - marks[0] if len(marks) >= 2 else None",
  "    try:",
  "        status = open('/proc/self/status').read()",
  "        peak = int(status.split('VmHWM:')[1].split()[0])",
  "    except Exception:",
  "        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss",
  "    print(json.dumps({'maxrss_kb': peak, 'loop_cpu_s': cpu}))",
].join("\n");

function pythonEnv(setup: PythonSetup): Record<string, string> {
  const env: Record<string, string> = { PYTHONDONTWRITEBYTECODE: "1" };
  if (setup.librosaPath) {
    const existing = Deno.env.get("PYTHONPATH");
    env.PYTHONPATH = existing ? `${setup.librosaPath}:${existing}` : setup.librosaPath;
  }
  return env;
}

/**
 * Checks whether `import librosa` works with this setup.
 *
 * @param setup interpreter and librosa source folder
 * @returns the version, or the reason it is not available (missing interpreter, import error)
 * @example
 * ```ts
 * const probe = await probeLibrosa({ librosaPath: ".cache/librosa-0.9.2" });
 * console.log(probe.available ? probe.version : probe.reason);
 * ```
 */
export async function probeLibrosa(setup: PythonSetup = {}): Promise<LibrosaProbe> {
  const python = setup.python ?? DEFAULT_PYTHON;
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(python, {
      args: ["-c", "import librosa, soundfile; print(librosa.__version__)"],
      env: pythonEnv(setup),
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    return { available: false, reason: `${python}: cannot run (${(error as Error).message})` };
  }
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n");
    return { available: false, reason: `import librosa failed: ${stderr.at(-1) ?? "?"}` };
  }
  return { available: true, version: new TextDecoder().decode(output.stdout).trim() };
}

/**
 * Parses the anchor's stdout: its JSON result line and the wrapper's `maxrss_kb` line.
 *
 * @param stdout everything the process printed
 * @param resType the resampler it was run with
 * @throws Error when no result line is present
 * @example
 * ```ts
 * parseAnchorOutput('{"tool": "librosa 0.9.2 (kaiser_best)", "files": 10, "seconds": 1.0, ' +
 *   '"files_per_s": 10.0, "realtime_factor": 30.0}\n{"maxrss_kb": 1024}', "kaiser_best");
 * ```
 */
export function parseAnchorOutput(stdout: string, resType: LibrosaResType): LibrosaResult {
  let result: LibrosaResult | undefined;
  let maxRssKb: number | undefined;
  let cpuSeconds: number | undefined;
  for (const line of stdout.split("\n")) {
    const text = line.trim();
    if (!text.startsWith("{")) continue;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(text);
    } catch {
      continue;
    }
    if (typeof value.maxrss_kb === "number") maxRssKb = value.maxrss_kb;
    if (typeof value.loop_cpu_s === "number") cpuSeconds = value.loop_cpu_s;
    if (typeof value.files_per_s === "number") {
      result = {
        tool: String(value.tool),
        resType,
        files: Number(value.files),
        seconds: Number(value.seconds),
        filesPerSecond: value.files_per_s,
        realTimeFactor: Number(value.realtime_factor),
      };
    }
  }
  if (!result) throw new Error(`librosa anchor printed no result line:\n${stdout.slice(-500)}`);
  // Linux reports ru_maxrss in KiB.
  if (maxRssKb !== undefined) result.peakRssBytes = maxRssKb * 1024;
  if (cpuSeconds !== undefined) result.cpuSeconds = cpuSeconds;
  return result;
}

/**
 * Runs the librosa anchor over a folder and returns its throughput and peak memory.
 *
 * @param options data folder, anchor script, resampler, file limit, interpreter, librosa path
 * @throws Error naming the script and showing its stderr when the run fails
 * @example
 * ```ts
 * const result = await runLibrosaAnchor({
 *   dataDir: "../shared/data/TESS", script: "../shared/anchors/librosa_features_bench.py",
 *   librosaPath: ".cache/librosa-0.9.2", resType: "kaiser_best", limit: 200,
 * });
 * ```
 */
export async function runLibrosaAnchor(options: LibrosaAnchorOptions): Promise<LibrosaResult> {
  const python = options.python ?? DEFAULT_PYTHON;
  const resType = options.resType ?? "kaiser_best";
  const args = ["-c", WRAPPER, options.script, options.dataDir, "--res-type", resType];
  if (options.limit !== undefined) args.push("--limit", String(options.limit));
  const output = await new Deno.Command(python, {
    args,
    env: pythonEnv(options),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(
      `${options.script}: librosa anchor failed (exit ${output.code}):\n${stderr.slice(-1500)}`,
    );
  }
  return parseAnchorOutput(stdout, resType);
}
