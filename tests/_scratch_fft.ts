import process from "node:process";
import { RealFft } from "../lib/features/fft.ts";
const fft = new RealFft(2048);
const x = new Float64Array(2048).map(() => Math.random());
const re = new Float64Array(1025), im = new Float64Array(1025);
for (let i = 0; i < 2000; i++) fft.forward(x, re, im);
for (let rep = 0; rep < 3; rep++) {
  const c = process.cpuUsage(); const N = 20000;
  for (let i = 0; i < N; i++) fft.forward(x, re, im);
  console.log("fft2048 us", (process.cpuUsage(c).user / N).toFixed(2));
}
