;; A filter bank (mel, chroma) applied to spectrogram frames (lib/features/bank_wasm.ts), in
;; WebAssembly SIMD. Assemble with tools/wasm/build_wasm.mjs after changing it.
;;
;; Exactly spectral.ts's applyBank sums: out[t][r] = sum over j of weight[j] * x[t][bin[j]]
;; for j = rowStarts[r] .. rowStarts[r + 1] - 1 in that order, in float64 (x float32, exact in
;; float64). A v128 holds the sums of two frames (t, t + 1), which share the row's weights, and
;; four such pairs (8 frames) run side by side so that their additions' latencies overlap.
;; f64x2.mul and f64x2.add round like the scalar operations, so every lane is the TypeScript's sum.
(module
  (memory (export "memory") 1)
  ;; src: float32 frames of `bins` values; frames: a multiple of 8; rowStarts: i32[rows + 1];
  ;; offsets: i32 byte offset (4 * bin) of each kept weight; weights: float64; out: float64
  ;; [frames x rows].
  (func (export "apply")
    (param $src i32) (param $frames i32) (param $bins i32) (param $rows i32)
    (param $rowStarts i32) (param $offsets i32) (param $weights i32) (param $out i32)
    (local $t i32) (local $stride i32) (local $base i32) (local $r i32) (local $j i32)
    (local $end i32) (local $p i32) (local $w v128) (local $o i32) (local $rowBytes i32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local.set $stride (i32.shl (local.get $bins) (i32.const 2)))
    (local.set $rowBytes (i32.shl (local.get $rows) (i32.const 3)))
    (block $frames_done
      (loop $block
        (br_if $frames_done (i32.ge_u (local.get $t) (local.get $frames)))
        (local.set $base (i32.add (local.get $src) (i32.mul (local.get $t) (local.get $stride))))
        (local.set $r (i32.const 0))
        (block $rows_done
          (loop $row
            (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
            (local.set $acc0 (v128.const i64x2 0 0))
            (local.set $acc1 (v128.const i64x2 0 0))
            (local.set $acc2 (v128.const i64x2 0 0))
            (local.set $acc3 (v128.const i64x2 0 0))
            (local.set $j (i32.load (i32.add (local.get $rowStarts) (i32.shl (local.get $r) (i32.const 2)))))
            (local.set $end (i32.load offset=4 (i32.add (local.get $rowStarts) (i32.shl (local.get $r) (i32.const 2)))))
            (block $taps_done
              (loop $tap
                (br_if $taps_done (i32.ge_u (local.get $j) (local.get $end)))
                (local.set $w (v128.load64_splat (i32.add (local.get $weights) (i32.shl (local.get $j) (i32.const 3)))))
                (local.set $p (i32.add (local.get $base)
                  (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $j) (i32.const 2))))))
                ;; Frames t + 2v and t + 2v + 1 are $stride bytes apart.
                (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.mul (local.get $w)
                  (f64x2.promote_low_f32x4 (v128.load32_lane 1
                    (i32.add (local.get $p) (local.get $stride))
                    (v128.load32_zero (local.get $p)))))))
                (local.set $p (i32.add (local.get $p) (i32.shl (local.get $stride) (i32.const 1))))
                (local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.mul (local.get $w)
                  (f64x2.promote_low_f32x4 (v128.load32_lane 1
                    (i32.add (local.get $p) (local.get $stride))
                    (v128.load32_zero (local.get $p)))))))
                (local.set $p (i32.add (local.get $p) (i32.shl (local.get $stride) (i32.const 1))))
                (local.set $acc2 (f64x2.add (local.get $acc2) (f64x2.mul (local.get $w)
                  (f64x2.promote_low_f32x4 (v128.load32_lane 1
                    (i32.add (local.get $p) (local.get $stride))
                    (v128.load32_zero (local.get $p)))))))
                (local.set $p (i32.add (local.get $p) (i32.shl (local.get $stride) (i32.const 1))))
                (local.set $acc3 (f64x2.add (local.get $acc3) (f64x2.mul (local.get $w)
                  (f64x2.promote_low_f32x4 (v128.load32_lane 1
                    (i32.add (local.get $p) (local.get $stride))
                    (v128.load32_zero (local.get $p)))))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $tap)))
            ;; out[t + f][r], f = 0 .. 7.
            (local.set $o (i32.add (local.get $out)
              (i32.shl (i32.add (i32.mul (local.get $t) (local.get $rows)) (local.get $r)) (i32.const 3))))
            (f64.store (local.get $o) (f64x2.extract_lane 0 (local.get $acc0)))
            (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
            (f64.store (local.get $o) (f64x2.extract_lane 1 (local.get $acc0)))
            (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
            (f64.store (local.get $o) (f64x2.extract_lane 0 (local.get $acc1)))
            (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
            (f64.store (local.get $o) (f64x2.extract_lane 1 (local.get $acc1)))
            (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
            (f64.store (local.get $o) (f64x2.extract_lane 0 (local.get $acc2)))
            (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
            (f64.store (local.get $o) (f64x2.extract_lane 1 (local.get $acc2)))
            (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
            (f64.store (local.get $o) (f64x2.extract_lane 0 (local.get $acc3)))
            (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
            (f64.store (local.get $o) (f64x2.extract_lane 1 (local.get $acc3)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $row)))
        (local.set $t (i32.add (local.get $t) (i32.const 8)))
        (br $block))))
)
