// AudioWorklet processor of the live page: forwards every render quantum (128 frames of the
// first input channel, at the AudioContext's rate) to the page at once, so the page sees a
// window's last sample at most one quantum (5.8 ms at 22050 Hz) after the microphone gave it.
// Plain JavaScript: worklet modules are loaded as-is by the browser, not bundled.
class SerRecorder extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel && channel.length) {
      // The engine reuses its buffers: copy before posting.
      this.port.postMessage({ samples: channel.slice(0), frame: currentFrame });
    }
    return true;
  }
}
registerProcessor("ser-recorder", SerRecorder);
