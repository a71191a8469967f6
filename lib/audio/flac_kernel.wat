;; FLAC's hot loops (lib/audio/flac_wasm.ts): Rice-coded residuals and the LPC predictor.
;; Assemble with tools/wasm/build_wasm.mjs after changing it.
;;
;; Each function does exactly what its TypeScript counterpart in lib/audio/flac_decoder.ts does
;; (decodeResidual's partitions, restoreLpc32, restoreLpcWide), so the samples are the same
;; integers (tests/flac_test.ts). Bit positions are absolute: bit 7 of byte a is bit 8a.
;; Reads may look up to 16 bytes past the data's end: the caller zero-pads it.
(module
  (memory (export "memory") 1)

  ;; The 64 bits at bit position $pos, big-endian (the stream's order), shifted so that bit
  ;; $pos is the top bit: at least 57 of them are the stream's (the low $pos & 7 are zeros).
  (func $peek (param $pos i32) (result i64)
    (i64.shl
      (i64x2.extract_lane 0
        (i8x16.shuffle 7 6 5 4 3 2 1 0 8 9 10 11 12 13 14 15
          (v128.load64_zero (i32.shr_u (local.get $pos) (i32.const 3)))
          (v128.const i64x2 0 0)))
      (i64.extend_i32_u (i32.and (local.get $pos) (i32.const 7)))))

  ;; The partitions of one residual (after its coding method and partition order, which the
  ;; caller has read and checked): samples $order .. $blockSize - 1 into the int32 array at
  ;; $out. $paramBits is 4 or 5 (escape code 15 or 31). Returns the bit position after the
  ;; residual, or -1 when it would run past $limit (the data's end; a truncated stream).
  (func (export "residual")
    (param $pos i32) (param $limit i32) (param $out i32) (param $blockSize i32)
    (param $order i32) (param $partitionOrder i32) (param $paramBits i32) (result i32)
    (local $partitionSize i32) (local $escape i32) (local $i i32) (local $end i32)
    (local $k i32) (local $raw i32) (local $word i64) (local $zeros i32) (local $quotient i32)
    (local $low i64) (local $folded i64) (local $at i32) (local $stop i32) (local $buf i64)
    (local $avail i32) (local $used i32)
    (local.set $partitionSize (i32.shr_u (local.get $blockSize) (local.get $partitionOrder)))
    (local.set $escape (i32.sub (i32.shl (i32.const 1) (local.get $paramBits)) (i32.const 1)))
    (local.set $i (local.get $order))
    (local.set $end (i32.const 0))
    (block $done
      (loop $partition
        (local.set $end (i32.add (local.get $end) (local.get $partitionSize)))
        (br_if $done (i32.gt_u (local.get $end) (local.get $blockSize)))
        (if (i32.gt_u (i32.add (local.get $pos) (local.get $paramBits)) (local.get $limit))
          (then (return (i32.const -1))))
        (local.set $k (i32.wrap_i64 (i64.shr_u (call $peek (local.get $pos))
          (i64.extend_i32_u (i32.sub (i32.const 64) (local.get $paramBits))))))
        (local.set $pos (i32.add (local.get $pos) (local.get $paramBits)))
        (local.set $at (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $stop (i32.add (local.get $out) (i32.shl (local.get $end) (i32.const 2))))
        (if (i32.eq (local.get $k) (local.get $escape))
          (then
            ;; An escaped partition: 5 bits of sample size, then the samples verbatim.
            (if (i32.gt_u (i32.add (local.get $pos) (i32.const 5)) (local.get $limit))
              (then (return (i32.const -1))))
            (local.set $raw (i32.wrap_i64 (i64.shr_u (call $peek (local.get $pos)) (i64.const 59))))
            (local.set $pos (i32.add (local.get $pos) (i32.const 5)))
            (if (i64.lt_s (i64.extend_i32_u (i32.sub (local.get $limit) (local.get $pos)))
                  (i64.mul (i64.extend_i32_u (i32.sub (local.get $end) (local.get $i)))
                    (i64.extend_i32_u (local.get $raw))))
              (then (return (i32.const -1))))
            (block $raw_done
              (loop $raw_sample
                (br_if $raw_done (i32.ge_u (local.get $at) (local.get $stop)))
                (i32.store (local.get $at)
                  (select
                    (i32.wrap_i64 (i64.shr_s (call $peek (local.get $pos))
                      (i64.extend_i32_u (i32.sub (i32.const 64) (local.get $raw)))))
                    (i32.const 0)
                    (local.get $raw)))
                (local.set $pos (i32.add (local.get $pos) (local.get $raw)))
                (local.set $at (i32.add (local.get $at) (i32.const 4)))
                (br $raw_sample))))
          (else
            ;; Rice: a unary quotient (zeros up to a one), then k low bits. $buf holds the bits
            ;; from $pos on, left-aligned, $avail of them the stream's (the rest zeros), so a
            ;; sample costs a count of leading zeros and two shifts: no load on the chain from
            ;; one sample's position to the next.
            (local.set $buf (call $peek (local.get $pos)))
            (local.set $avail (i32.sub (i32.const 64) (i32.and (local.get $pos) (i32.const 7))))
            (block $rice_done
              (loop $sample
                (br_if $rice_done (i32.ge_u (local.get $at) (local.get $stop)))
                (local.set $zeros (i32.wrap_i64 (i64.clz (local.get $buf))))
                (local.set $used (i32.add (i32.add (local.get $zeros) (local.get $k)) (i32.const 1)))
                (if (i32.ge_u (local.get $used) (local.get $avail))
                  (then
                    ;; The sample does not lie within the buffer (with a bit to spare, so every
                    ;; shift below stays under 64): decoded from $pos, then the buffer refilled.
                    (local.set $word (call $peek (local.get $pos)))
                    (local.set $quotient (i32.const 0))
                    (block $found
                      (loop $zero_word
                        (br_if $found (i64.ne (local.get $word) (i64.const 0)))
                        ;; At least 57 zero bits of the stream: all part of the quotient.
                        (local.set $quotient (i32.add (local.get $quotient) (i32.const 57)))
                        (local.set $pos (i32.add (local.get $pos) (i32.const 57)))
                        (if (i32.gt_u (local.get $pos) (local.get $limit))
                          (then (return (i32.const -1))))
                        (local.set $word (call $peek (local.get $pos)))
                        (br $zero_word)))
                    (local.set $zeros (i32.wrap_i64 (i64.clz (local.get $word))))
                    (local.set $quotient (i32.add (local.get $quotient) (local.get $zeros)))
                    (local.set $pos
                      (i32.add (local.get $pos) (i32.add (local.get $zeros) (i32.const 1))))
                    ;; (x >> 1) >> (63 - k) is x >> (64 - k), and 0 for k = 0.
                    (local.set $low (i64.shr_u (i64.shr_u (call $peek (local.get $pos)) (i64.const 1))
                      (i64.extend_i32_u (i32.sub (i32.const 63) (local.get $k)))))
                    (local.set $pos (i32.add (local.get $pos) (local.get $k)))
                    (local.set $buf (call $peek (local.get $pos)))
                    (local.set $avail
                      (i32.sub (i32.const 64) (i32.and (local.get $pos) (i32.const 7)))))
                  (else
                    (local.set $quotient (local.get $zeros))
                    (local.set $buf (i64.shl (local.get $buf)
                      (i64.extend_i32_u (i32.add (local.get $zeros) (i32.const 1)))))
                    (local.set $low (i64.shr_u (i64.shr_u (local.get $buf) (i64.const 1))
                      (i64.extend_i32_u (i32.sub (i32.const 63) (local.get $k)))))
                    (local.set $buf (i64.shl (local.get $buf) (i64.extend_i32_u (local.get $k))))
                    (local.set $pos (i32.add (local.get $pos) (local.get $used)))
                    (local.set $avail (i32.sub (local.get $avail) (local.get $used)))))
                ;; Zigzag: folded = quotient * 2^k + low; even -> folded / 2, odd -> -(folded + 1) / 2.
                ;; In 64 bits, exact for any quotient the data can hold, then wrapped to int32
                ;; like the TypeScript's store into an Int32Array.
                (local.set $folded (i64.or
                  (i64.shl (i64.extend_i32_u (local.get $quotient)) (i64.extend_i32_u (local.get $k)))
                  (local.get $low)))
                (i32.store (local.get $at) (i32.wrap_i64 (i64.xor
                  (i64.shr_u (local.get $folded) (i64.const 1))
                  (i64.sub (i64.const 0) (i64.and (local.get $folded) (i64.const 1))))))
                (local.set $at (i32.add (local.get $at) (i32.const 4)))
                (br $sample)))
            (if (i32.gt_u (local.get $pos) (local.get $limit))
              (then (return (i32.const -1))))))
        (local.set $i (local.get $end))
        (br $partition)))
    (local.get $pos))

  ;; LPC restoration in wrapping 32-bit arithmetic (restoreLpc32): out[i] += (sum of
  ;; coefs[j] * out[i - 1 - j]) >> shift for i in $order .. $n - 1, coefs int32 at $coefs.
  ;; Orders up to 12 run an unrolled 12-tap loop; the caller zeroes coefs[order .. 11].
  (func (export "lpc32")
    (param $out i32) (param $n i32) (param $coefs i32) (param $order i32) (param $shift i32)
    (local $i i32) (local $j i32) (local $sum i32) (local $generic i32) (local $p i32)
    (local $stop i32) (local $value i32)
    (local $c0 i32) (local $c1 i32) (local $c2 i32) (local $c3 i32) (local $c4 i32) (local $c5 i32) (local $c6 i32) (local $c7 i32) (local $c8 i32) (local $c9 i32) (local $c10 i32) (local $c11 i32)
    (local $x1 i32) (local $x2 i32) (local $x3 i32) (local $x4 i32) (local $x5 i32) (local $x6 i32) (local $x7 i32) (local $x8 i32) (local $x9 i32) (local $x10 i32) (local $x11 i32) (local $x12 i32)
    ;; The first min(n, 12) samples (all of them past order 12) by the generic loop, so the
    ;; unrolled one never reads before the block.
    (local.set $generic
      (select (local.get $n)
        (select (local.get $n) (i32.const 12) (i32.lt_u (local.get $n) (i32.const 12)))
        (i32.gt_u (local.get $order) (i32.const 12))))
    (local.set $i (local.get $order))
    (block $generic_done
      (loop $generic_sample
        (br_if $generic_done (i32.ge_u (local.get $i) (local.get $generic)))
        (local.set $sum (i32.const 0))
        (local.set $j (i32.const 0))
        (block $taps_done
          (loop $tap
            (br_if $taps_done (i32.ge_u (local.get $j) (local.get $order)))
            (local.set $sum (i32.add (local.get $sum)
              (i32.mul
                (i32.load (i32.add (local.get $coefs) (i32.shl (local.get $j) (i32.const 2))))
                (i32.load (i32.add (local.get $out)
                  (i32.shl (i32.sub (i32.sub (local.get $i) (local.get $j)) (i32.const 1))
                    (i32.const 2)))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tap)))
        (local.set $p (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))))
        (i32.store (local.get $p) (i32.add (i32.load (local.get $p))
          (i32.shr_s (local.get $sum) (local.get $shift))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $generic_sample)))
    (if (i32.ge_u (local.get $generic) (local.get $n)) (then (return)))
    ;; Unrolled: the 12 previous samples ride in locals (x1 = out[i - 1], ...), so no sample is
    ;; read back right after being written, and the newest one's product is added last.
    (local.set $c0 (i32.load offset=0 (local.get $coefs)))
    (local.set $c1 (i32.load offset=4 (local.get $coefs)))
    (local.set $c2 (i32.load offset=8 (local.get $coefs)))
    (local.set $c3 (i32.load offset=12 (local.get $coefs)))
    (local.set $c4 (i32.load offset=16 (local.get $coefs)))
    (local.set $c5 (i32.load offset=20 (local.get $coefs)))
    (local.set $c6 (i32.load offset=24 (local.get $coefs)))
    (local.set $c7 (i32.load offset=28 (local.get $coefs)))
    (local.set $c8 (i32.load offset=32 (local.get $coefs)))
    (local.set $c9 (i32.load offset=36 (local.get $coefs)))
    (local.set $c10 (i32.load offset=40 (local.get $coefs)))
    (local.set $c11 (i32.load offset=44 (local.get $coefs)))
    (local.set $p (local.get $out))
    (local.set $x1 (i32.load offset=44 (local.get $p)))
    (local.set $x2 (i32.load offset=40 (local.get $p)))
    (local.set $x3 (i32.load offset=36 (local.get $p)))
    (local.set $x4 (i32.load offset=32 (local.get $p)))
    (local.set $x5 (i32.load offset=28 (local.get $p)))
    (local.set $x6 (i32.load offset=24 (local.get $p)))
    (local.set $x7 (i32.load offset=20 (local.get $p)))
    (local.set $x8 (i32.load offset=16 (local.get $p)))
    (local.set $x9 (i32.load offset=12 (local.get $p)))
    (local.set $x10 (i32.load offset=8 (local.get $p)))
    (local.set $x11 (i32.load offset=4 (local.get $p)))
    (local.set $x12 (i32.load offset=0 (local.get $p)))
    (local.set $p (i32.add (local.get $out) (i32.const 48)))
    (local.set $stop (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $unrolled_done
      (loop $sample
        (br_if $unrolled_done (i32.ge_u (local.get $p) (local.get $stop)))
        (local.set $value (i32.add (i32.load (local.get $p))
          (i32.shr_s
            (i32.add
              (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.mul (local.get $c11) (local.get $x12))
            (i32.mul (local.get $c10) (local.get $x11)))
            (i32.mul (local.get $c9) (local.get $x10)))
            (i32.mul (local.get $c8) (local.get $x9)))
            (i32.mul (local.get $c7) (local.get $x8)))
            (i32.mul (local.get $c6) (local.get $x7)))
            (i32.mul (local.get $c5) (local.get $x6)))
            (i32.mul (local.get $c4) (local.get $x5)))
            (i32.mul (local.get $c3) (local.get $x4)))
            (i32.mul (local.get $c2) (local.get $x3)))
            (i32.mul (local.get $c1) (local.get $x2)))
              (i32.mul (local.get $c0) (local.get $x1)))
            (local.get $shift))))
        (i32.store (local.get $p) (local.get $value))
        (local.set $x12 (local.get $x11))
        (local.set $x11 (local.get $x10))
        (local.set $x10 (local.get $x9))
        (local.set $x9 (local.get $x8))
        (local.set $x8 (local.get $x7))
        (local.set $x7 (local.get $x6))
        (local.set $x6 (local.get $x5))
        (local.set $x5 (local.get $x4))
        (local.set $x4 (local.get $x3))
        (local.set $x3 (local.get $x2))
        (local.set $x2 (local.get $x1))
        (local.set $x1 (local.get $value))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $sample))))

  ;; LPC restoration for sums wider than 32 bits (restoreLpcWide): the sum in 64-bit integers,
  ;; exact for any FLAC stream (at most 32 products of 33-bit samples and 15-bit coefficients),
  ;; as the TypeScript's doubles are; floor(sum / 2^shift) is an arithmetic shift.
  (func (export "lpcWide")
    (param $out i32) (param $n i32) (param $coefs i32) (param $order i32) (param $shift i32)
    (local $i i32) (local $j i32) (local $sum i64) (local $p i32)
    (local.set $i (local.get $order))
    (block $done
      (loop $sample
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum (i64.const 0))
        (local.set $j (i32.const 0))
        (block $taps_done
          (loop $tap
            (br_if $taps_done (i32.ge_u (local.get $j) (local.get $order)))
            (local.set $sum (i64.add (local.get $sum)
              (i64.mul
                (i64.load32_s (i32.add (local.get $coefs) (i32.shl (local.get $j) (i32.const 2))))
                (i64.load32_s (i32.add (local.get $out)
                  (i32.shl (i32.sub (i32.sub (local.get $i) (local.get $j)) (i32.const 1))
                    (i32.const 2)))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tap)))
        (local.set $p (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))))
        (i32.store (local.get $p) (i32.add (i32.load (local.get $p))
          (i32.wrap_i64 (i64.shr_s (local.get $sum) (i64.extend_i32_u (local.get $shift))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $sample))))

  ;; Samples to floats as pcmToFloat scales them: $dst[i] = f32($src[i]) * $scale, $scale a power
  ;; of two, so the product is exact and equals the TypeScript's f32(src[i] * scale) (rounding
  ;; then scaling by 2^-k is scaling then rounding, with no subnormals in reach). Runs in whole
  ;; vectors of 4: up to 3 values past $n are read and written (the caller leaves room).
  (func (export "toFloat") (param $src i32) (param $dst i32) (param $n i32) (param $scale f32)
    (local $end i32) (local $factor v128)
    (local.set $factor (f32x4.splat (local.get $scale)))
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $vector
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (v128.store (local.get $dst)
          (f32x4.mul (f32x4.convert_i32x4_s (v128.load (local.get $src))) (local.get $factor)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $vector))))

  ;; The bytes FLAC's MD5 covers for one channel of 16-bit samples: each sample's low two bytes,
  ;; little-endian (flacMd5's Int16Array store). Runs in whole vectors of 8 samples: up to 7
  ;; past $n are read and written (the caller leaves room).
  (func (export "pack16") (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $vector
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (v128.store (local.get $dst)
          (i8x16.shuffle 0 1 4 5 8 9 12 13 16 17 20 21 24 25 28 29
            (v128.load (local.get $src)) (v128.load offset=16 (local.get $src))))
        (local.set $src (i32.add (local.get $src) (i32.const 32)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $vector))))
)
