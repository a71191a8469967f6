import { loadAudio } from "../lib/audio/mod.ts";
import { spectralContrast, stft } from "../lib/features/mod.ts";
const dir = "/work/shared/reference/";
const ref = JSON.parse(Deno.readTextFileSync(dir + "librosa_features.json"));
for (const name of ["noise_16000.wav", "twotone_gap_24414.wav"]) {
  const y = (await loadAudio(dir + name, { sampleRate: 22050 })).samples;
  const c = spectralContrast(stft(y, { sampleRate: 22050, nFft: 2048, hopLength: 512 }));
  const r = ref.files[name].spectral_contrast;
  const perBand = new Array(7).fill(0);
  for (let t = 0; t < c.frames; t++) for (let b = 0; b < 7; b++) perBand[b] = Math.max(perBand[b], Math.abs(c.data[t*7+b]-r[t][b]));
  console.log(name, perBand.map((x) => x.toFixed(4)).join(" "));
  const t = 20; console.log(Array.from(c.data.subarray(t*7, t*7+7)).map(x=>x.toFixed(3)).join(" "), "|", r[t].map((x:number)=>x.toFixed(3)).join(" "));
}
