/**
 * CPU time of this process (all threads, so feature workers included), for benchmarks on shared
 * machines: CPU seconds per file hardly move when other jobs compete for the cores, while wall
 * time does.
 *
 * @example
 * ```ts
 * const work = () => new Promise((resolve) => setTimeout(resolve, 100));
 * const before = processCpuSeconds();
 * await work();
 * const used = (processCpuSeconds() ?? 0) - (before ?? 0);
 * ```
 * @module
 */

// Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel build.
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * User + system CPU seconds this process has used since it started (Linux `/proc/self/stat`).
 *
 * @returns seconds, or `undefined` where `/proc` is not readable
 * @example
 * ```ts
 * processCpuSeconds(); // e.g. 12.34
 * ```
 */
export function processCpuSeconds(): number | undefined {
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const userTicks = Number(fields[11]);
    const systemTicks = Number(fields[12]);
    if (!Number.isFinite(userTicks) || !Number.isFinite(systemTicks)) return undefined;
    return (userTicks + systemTicks) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
