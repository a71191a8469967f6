import { loadAudio } from "../lib/audio/mod.ts";
import { chromaStft, estimateTuning, melSpectrogram, mfcc, rms, spectralContrast, stft, zeroCrossingRate } from "../lib/features/mod.ts";
const dir = "/work/shared/reference/";
const ref = JSON.parse(Deno.readTextFileSync(dir + "librosa_features.json"));
for (const [name, feats] of Object.entries<any>(ref.files)) {
  const clip = await loadAudio(dir + name, { sampleRate: 22050 });
  const y = clip.samples;
  const spec = stft(y, { sampleRate: 22050, nFft: 2048, hopLength: 512 });
  const mel = melSpectrogram(spec, 128);
  const ours: Record<string, any> = {
    mfcc: mfcc(mel, 40), melspectrogram: mel, chroma_stft: chromaStft(spec),
    spectral_contrast: spectralContrast(spec), zero_crossing_rate: zeroCrossingRate(y), rms: rms(y),
  };
  const line = [`${name} n=${y.length}/${feats.samples} tuning=${estimateTuning(spec)}`];
  for (const key of Object.keys(ours)) {
    const r = feats[key] as number[][]; const o = ours[key];
    if (r.length !== o.frames || r[0].length !== o.width) { line.push(`${key}: shape ${o.frames}x${o.width} vs ${r.length}x${r[0].length}`); continue; }
    let maxAbs = 0, maxRel = 0;
    for (let t = 0; t < o.frames; t++) {
      const frameMax = Math.max(...r[t]);
      for (let c = 0; c < o.width; c++) {
        const d = Math.abs(o.data[t * o.width + c] - r[t][c]);
        maxAbs = Math.max(maxAbs, d); if (frameMax > 0) maxRel = Math.max(maxRel, d / frameMax);
      }
    }
    line.push(`${key}: abs ${maxAbs.toExponential(2)} rel ${maxRel.toExponential(2)}`);
  }
  console.log(line.join("\n  "));
}
