;; MFCC's DCT-II over the mel axis (lib/features/dct_wasm.ts) in WebAssembly SIMD.
;; Assemble with tools/wasm/build_wasm.mjs after changing it.
;;
;; Exactly spectral.ts's mfcc loop: each frame is folded into sums (low + high) and differences
;; (low - high) of mirrored bands, and coefficient k is the float64 sum over n = 0 .. width - 1,
;; in that order, of basis[k][n] times the sums (even k) or differences (odd k). A v128 holds
;; two coefficients of the same parity, which share the folded input; f64x2.mul and f64x2.add
;; round like the scalar operations, so every lane is the TypeScript's sum.
(module
  (memory (export "memory") 1)
  ;; db: float64 [frames x nMels]; pairs: per coefficient pair four i32 (parity, k of lane 0,
  ;; k of lane 1 or -1 for none, byte offset of its interleaved basis); basis: per pair and n,
  ;; the two lanes' float64 weights side by side; folded: room for 2 x (nMels / 2 + 1) float64;
  ;; out: float64 [frames x nMfcc].
  (func (export "dct")
    (param $db i32) (param $frames i32) (param $nMels i32) (param $nMfcc i32)
    (param $pairs i32) (param $pairCount i32) (param $folded i32) (param $out i32)
    (local $t i32) (local $row i32) (local $half i32) (local $width i32) (local $n i32)
    (local $low f64) (local $high f64) (local $differences i32) (local $p i32) (local $entry i32)
    (local $input i32) (local $w i32) (local $end i32) (local $acc v128) (local $outRow i32)
    (local $second i32)
    (local.set $half (i32.shr_u (local.get $nMels) (i32.const 1)))
    (local.set $width (i32.add (local.get $half) (i32.and (local.get $nMels) (i32.const 1))))
    (local.set $differences (i32.add (local.get $folded)
      (i32.shl (i32.add (local.get $half) (i32.const 1)) (i32.const 3))))
    (block $frames_done
      (loop $frame
        (br_if $frames_done (i32.ge_u (local.get $t) (local.get $frames)))
        (local.set $row (i32.add (local.get $db)
          (i32.shl (i32.mul (local.get $t) (local.get $nMels)) (i32.const 3))))
        ;; Fold: sums[n] = db[n] + db[N - 1 - n], differences[n] = db[n] - db[N - 1 - n]; the
        ;; middle band of an odd count pairs with itself (difference 0).
        (local.set $n (i32.const 0))
        (block $fold_done
          (loop $fold
            (br_if $fold_done (i32.ge_u (local.get $n) (local.get $half)))
            (local.set $low (f64.load (i32.add (local.get $row) (i32.shl (local.get $n) (i32.const 3)))))
            (local.set $high (f64.load (i32.add (local.get $row)
              (i32.shl (i32.sub (i32.sub (local.get $nMels) (i32.const 1)) (local.get $n)) (i32.const 3)))))
            (f64.store (i32.add (local.get $folded) (i32.shl (local.get $n) (i32.const 3)))
              (f64.add (local.get $low) (local.get $high)))
            (f64.store (i32.add (local.get $differences) (i32.shl (local.get $n) (i32.const 3)))
              (f64.sub (local.get $low) (local.get $high)))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $fold)))
        (f64.store (i32.add (local.get $folded) (i32.shl (local.get $half) (i32.const 3)))
          (if (result f64) (i32.and (local.get $nMels) (i32.const 1))
            (then (f64.load (i32.add (local.get $row) (i32.shl (local.get $half) (i32.const 3)))))
            (else (f64.const 0))))
        (f64.store (i32.add (local.get $differences) (i32.shl (local.get $half) (i32.const 3)))
          (f64.const 0))
        (local.set $outRow (i32.add (local.get $out)
          (i32.shl (i32.mul (local.get $t) (local.get $nMfcc)) (i32.const 3))))
        (local.set $p (i32.const 0))
        (block $pairs_done
          (loop $pair
            (br_if $pairs_done (i32.ge_u (local.get $p) (local.get $pairCount)))
            (local.set $entry (i32.add (local.get $pairs) (i32.shl (local.get $p) (i32.const 4))))
            (local.set $input (select (local.get $differences) (local.get $folded)
              (i32.load offset=0 (local.get $entry))))
            (local.set $w (i32.load offset=12 (local.get $entry)))
            (local.set $end (i32.add (local.get $input) (i32.shl (local.get $width) (i32.const 3))))
            (local.set $acc (v128.const i64x2 0 0))
            (block $taps_done
              (loop $tap
                (br_if $taps_done (i32.ge_u (local.get $input) (local.get $end)))
                (local.set $acc (f64x2.add (local.get $acc)
                  (f64x2.mul (v128.load (local.get $w)) (v128.load64_splat (local.get $input)))))
                (local.set $w (i32.add (local.get $w) (i32.const 16)))
                (local.set $input (i32.add (local.get $input) (i32.const 8)))
                (br $tap)))
            (f64.store (i32.add (local.get $outRow) (i32.shl (i32.load offset=4 (local.get $entry)) (i32.const 3)))
              (f64x2.extract_lane 0 (local.get $acc)))
            (local.set $second (i32.load offset=8 (local.get $entry)))
            (if (i32.ge_s (local.get $second) (i32.const 0))
              (then (f64.store (i32.add (local.get $outRow) (i32.shl (local.get $second) (i32.const 3)))
                (f64x2.extract_lane 1 (local.get $acc)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $pair)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $frame))))
)
