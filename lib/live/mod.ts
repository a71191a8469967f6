/**
 * The live page: speech emotion from the microphone or a dropped file, computed entirely in
 * the browser with the project's own feature code and the saved model (TensorFlow.js for
 * sequence models; utterance functionals, a running speaker normaliser and the SVM/softmax
 * ensemble in plain TypeScript for pooled models), served
 * from 127.0.0.1 with every asset local; plus a headless-Chromium driver and a latency
 * benchmark.
 *
 * @example
 * ```ts
 * import { startLiveServer } from "./mod.ts";
 * const server = await startLiveServer({ modelsDir: "models" });
 * console.log(`open ${server.url}`);
 * ```
 * @module
 */
export {
  bundleLivePage,
  type LiveServer,
  type LiveServerOptions,
  modelCardToServe,
  startLiveServer,
} from "./server.ts";
export { decodeFloat32, driveLivePage, type DriveOptions } from "./browser.ts";
export { liveLatencyBenchmark, type LiveLatencyOptions, type LiveLatencyResult } from "./bench.ts";
