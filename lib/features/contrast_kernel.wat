;; Spectral contrast's peaks and valleys (lib/features/contrast_wasm.ts) in WebAssembly SIMD.
;; Assemble with tools/wasm/build_wasm.mjs after changing it.
;;
;; Per frame and band, exactly spectral.ts's spectralContrast loop: a min-heap of the `take`
;; largest and a max-heap of the `take` smallest magnitudes (float32, compared as float32, which
;; orders them as the TypeScript's float64 copies do), the largest searched from the bottom of
;; the band up and the smallest from the top down, each heap replaced at its root when a value
;; beats it, in the same order; then both sorted ascending and summed in float64 in the same
;; order. What SIMD adds is only the skipping: four magnitudes at a time are compared with the
;; heap's root, and a group none of which beats it is passed over (the root only moves away
;; from them), so the heaps see the very same replacements.
(module
  (memory (export "memory") 1)

  ;; Replaces the root of the min-heap of $size float32 at $heap with $value, restores the
  ;; heap and returns its new root (spectral.ts's siftDownMin).
  (func $siftDownMin (param $heap i32) (param $size i32) (param $value f32) (result f32)
    (local $i i32) (local $left i32) (local $child i32)
    (block $done
      (loop $down
        (local.set $left (i32.add (i32.shl (local.get $i) (i32.const 1)) (i32.const 1)))
        (br_if $done (i32.ge_u (local.get $left) (local.get $size)))
        (local.set $child (local.get $left))
        (if (i32.lt_u (i32.add (local.get $left) (i32.const 1)) (local.get $size))
          (then
            (if (f32.lt
                  (f32.load offset=4 (i32.add (local.get $heap) (i32.shl (local.get $left) (i32.const 2))))
                  (f32.load (i32.add (local.get $heap) (i32.shl (local.get $left) (i32.const 2)))))
              (then (local.set $child (i32.add (local.get $left) (i32.const 1)))))))
        (br_if $done (i32.eqz (f32.lt
          (f32.load (i32.add (local.get $heap) (i32.shl (local.get $child) (i32.const 2))))
          (local.get $value))))
        (f32.store (i32.add (local.get $heap) (i32.shl (local.get $i) (i32.const 2)))
          (f32.load (i32.add (local.get $heap) (i32.shl (local.get $child) (i32.const 2)))))
        (local.set $i (local.get $child))
        (br $down)))
    (f32.store (i32.add (local.get $heap) (i32.shl (local.get $i) (i32.const 2))) (local.get $value))
    (f32.load (local.get $heap)))

  ;; The max-heap twin of $siftDownMin (spectral.ts's siftDownMax).
  (func $siftDownMax (param $heap i32) (param $size i32) (param $value f32) (result f32)
    (local $i i32) (local $left i32) (local $child i32)
    (block $done
      (loop $down
        (local.set $left (i32.add (i32.shl (local.get $i) (i32.const 1)) (i32.const 1)))
        (br_if $done (i32.ge_u (local.get $left) (local.get $size)))
        (local.set $child (local.get $left))
        (if (i32.lt_u (i32.add (local.get $left) (i32.const 1)) (local.get $size))
          (then
            (if (f32.gt
                  (f32.load offset=4 (i32.add (local.get $heap) (i32.shl (local.get $left) (i32.const 2))))
                  (f32.load (i32.add (local.get $heap) (i32.shl (local.get $left) (i32.const 2)))))
              (then (local.set $child (i32.add (local.get $left) (i32.const 1)))))))
        (br_if $done (i32.eqz (f32.gt
          (f32.load (i32.add (local.get $heap) (i32.shl (local.get $child) (i32.const 2))))
          (local.get $value))))
        (f32.store (i32.add (local.get $heap) (i32.shl (local.get $i) (i32.const 2)))
          (f32.load (i32.add (local.get $heap) (i32.shl (local.get $child) (i32.const 2)))))
        (local.set $i (local.get $child))
        (br $down)))
    (f32.store (i32.add (local.get $heap) (i32.shl (local.get $i) (i32.const 2))) (local.get $value))
    (f32.load (local.get $heap)))

  ;; Insertion sort of $count float32 at $values, ascending (spectral.ts's sortAscending).
  (func $sortAscending (param $values i32) (param $count i32)
    (local $j i32) (local $i i32) (local $value f32) (local $at i32)
    (local.set $j (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $j) (local.get $count)))
        (local.set $value (f32.load (i32.add (local.get $values) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $i (local.get $j))
        (block $placed
          (loop $shift
            (br_if $placed (i32.le_s (local.get $i) (i32.const 0)))
            (local.set $at (i32.add (local.get $values) (i32.shl (local.get $i) (i32.const 2))))
            (br_if $placed (i32.eqz (f32.gt (f32.load offset=0 (i32.sub (local.get $at) (i32.const 4)))
              (local.get $value))))
            (f32.store (local.get $at) (f32.load (i32.sub (local.get $at) (i32.const 4))))
            (local.set $i (i32.sub (local.get $i) (i32.const 1)))
            (br $shift)))
        (f32.store (i32.add (local.get $values) (i32.shl (local.get $i) (i32.const 2))) (local.get $value))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next))))

  ;; mag: float32 magnitudes, $frames rows of $bins. table: per band three i32 (first bin, one
  ;; past the last bin, take), every band non-empty. low, high: room for the largest take
  ;; (float32). valleys, peaks: float64 [frames x bands], f32(mean) of the smallest / largest.
  (func (export "contrast")
    (param $mag i32) (param $frames i32) (param $bins i32) (param $bands i32) (param $table i32)
    (param $low i32) (param $high i32) (param $valleys i32) (param $peaks i32)
    (local $t i32) (local $row i32) (local $band i32) (local $entry i32) (local $from i32)
    (local $end i32) (local $filled i32) (local $count i32) (local $i i32) (local $parent i32)
    (local $value f32) (local $bound f32) (local $k i32) (local $sum f64) (local $out i32)
    (local.set $out (i32.const 0))
    (block $frames_done
      (loop $frame
        (br_if $frames_done (i32.ge_u (local.get $t) (local.get $frames)))
        (local.set $row (i32.add (local.get $mag)
          (i32.shl (i32.mul (local.get $t) (local.get $bins)) (i32.const 2))))
        (local.set $band (i32.const 0))
        (block $bands_done
          (loop $each_band
            (br_if $bands_done (i32.ge_u (local.get $band) (local.get $bands)))
            (local.set $entry (i32.add (local.get $table) (i32.mul (local.get $band) (i32.const 12))))
            (local.set $from (i32.add (local.get $row) (i32.shl (i32.load offset=0 (local.get $entry)) (i32.const 2))))
            (local.set $end (i32.add (local.get $row) (i32.shl (i32.load offset=4 (local.get $entry)) (i32.const 2))))
            (local.set $filled (i32.load offset=8 (local.get $entry)))
            (local.set $count (i32.shr_u (i32.sub (local.get $end) (local.get $from)) (i32.const 2)))
            (if (i32.lt_u (local.get $count) (local.get $filled))
              (then (local.set $filled (local.get $count))))

            ;; The first `filled` values from each end, sifted up into both heaps.
            (local.set $count (i32.const 0))
            (block $built
              (loop $build
                (br_if $built (i32.ge_u (local.get $count) (local.get $filled)))
                (local.set $value (f32.load (i32.add (local.get $from) (i32.shl (local.get $count) (i32.const 2)))))
                (local.set $i (local.get $count))
                (block $up_done
                  (loop $up
                    (br_if $up_done (i32.le_s (local.get $i) (i32.const 0)))
                    (local.set $parent (i32.shr_s (i32.sub (local.get $i) (i32.const 1)) (i32.const 1)))
                    (br_if $up_done (i32.eqz (f32.gt
                      (f32.load (i32.add (local.get $high) (i32.shl (local.get $parent) (i32.const 2))))
                      (local.get $value))))
                    (f32.store (i32.add (local.get $high) (i32.shl (local.get $i) (i32.const 2)))
                      (f32.load (i32.add (local.get $high) (i32.shl (local.get $parent) (i32.const 2)))))
                    (local.set $i (local.get $parent))
                    (br $up)))
                (f32.store (i32.add (local.get $high) (i32.shl (local.get $i) (i32.const 2))) (local.get $value))
                (local.set $value (f32.load (i32.sub (local.get $end)
                  (i32.shl (i32.add (local.get $count) (i32.const 1)) (i32.const 2)))))
                (local.set $i (local.get $count))
                (block $up_done
                  (loop $up
                    (br_if $up_done (i32.le_s (local.get $i) (i32.const 0)))
                    (local.set $parent (i32.shr_s (i32.sub (local.get $i) (i32.const 1)) (i32.const 1)))
                    (br_if $up_done (i32.eqz (f32.lt
                      (f32.load (i32.add (local.get $low) (i32.shl (local.get $parent) (i32.const 2))))
                      (local.get $value))))
                    (f32.store (i32.add (local.get $low) (i32.shl (local.get $i) (i32.const 2)))
                      (f32.load (i32.add (local.get $low) (i32.shl (local.get $parent) (i32.const 2)))))
                    (local.set $i (local.get $parent))
                    (br $up)))
                (f32.store (i32.add (local.get $low) (i32.shl (local.get $i) (i32.const 2))) (local.get $value))
                (local.set $count (i32.add (local.get $count) (i32.const 1)))
                (br $build)))

            ;; The largest: upwards from `filled`, four at a time while four remain.
            (local.set $bound (f32.load (local.get $high)))
            (local.set $k (i32.add (local.get $from) (i32.shl (local.get $filled) (i32.const 2))))
            (block $high_vectors_done
              (loop $high_vector
                (br_if $high_vectors_done (i32.gt_s (i32.add (local.get $k) (i32.const 16)) (local.get $end)))
                (if (v128.any_true (f32x4.gt (v128.load (local.get $k)) (f32x4.splat (local.get $bound))))
                  (then
                    (local.set $value (f32.load offset=0 (local.get $k)))
                    (if (f32.gt (local.get $value) (local.get $bound))
                      (then (local.set $bound (call $siftDownMin (local.get $high) (local.get $filled) (local.get $value)))))
                    (local.set $value (f32.load offset=4 (local.get $k)))
                    (if (f32.gt (local.get $value) (local.get $bound))
                      (then (local.set $bound (call $siftDownMin (local.get $high) (local.get $filled) (local.get $value)))))
                    (local.set $value (f32.load offset=8 (local.get $k)))
                    (if (f32.gt (local.get $value) (local.get $bound))
                      (then (local.set $bound (call $siftDownMin (local.get $high) (local.get $filled) (local.get $value)))))
                    (local.set $value (f32.load offset=12 (local.get $k)))
                    (if (f32.gt (local.get $value) (local.get $bound))
                      (then (local.set $bound (call $siftDownMin (local.get $high) (local.get $filled) (local.get $value)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 16)))
                (br $high_vector)))
            (block $high_done
              (loop $high_scalar
                (br_if $high_done (i32.ge_s (local.get $k) (local.get $end)))
                (local.set $value (f32.load (local.get $k)))
                (if (f32.gt (local.get $value) (local.get $bound))
                  (then (local.set $bound (call $siftDownMin (local.get $high) (local.get $filled) (local.get $value)))))
                (local.set $k (i32.add (local.get $k) (i32.const 4)))
                (br $high_scalar)))

            ;; The smallest: downwards from `filled` below the top, four at a time (the
            ;; group k - 3 .. k, taken k first) while four remain.
            (local.set $bound (f32.load (local.get $low)))
            (local.set $k (i32.sub (local.get $end) (i32.shl (i32.add (local.get $filled) (i32.const 1)) (i32.const 2))))
            (block $low_vectors_done
              (loop $low_vector
                (br_if $low_vectors_done (i32.lt_s (i32.sub (local.get $k) (i32.const 12)) (local.get $from)))
                (if (v128.any_true (f32x4.lt (v128.load (i32.sub (local.get $k) (i32.const 12)))
                      (f32x4.splat (local.get $bound))))
                  (then
                    (local.set $value (f32.load offset=0 (local.get $k)))
                    (if (f32.lt (local.get $value) (local.get $bound))
                      (then (local.set $bound (call $siftDownMax (local.get $low) (local.get $filled) (local.get $value)))))
                    (local.set $value (f32.load (i32.sub (local.get $k) (i32.const 4))))
                    (if (f32.lt (local.get $value) (local.get $bound))
                      (then (local.set $bound (call $siftDownMax (local.get $low) (local.get $filled) (local.get $value)))))
                    (local.set $value (f32.load (i32.sub (local.get $k) (i32.const 8))))
                    (if (f32.lt (local.get $value) (local.get $bound))
                      (then (local.set $bound (call $siftDownMax (local.get $low) (local.get $filled) (local.get $value)))))
                    (local.set $value (f32.load (i32.sub (local.get $k) (i32.const 12))))
                    (if (f32.lt (local.get $value) (local.get $bound))
                      (then (local.set $bound (call $siftDownMax (local.get $low) (local.get $filled) (local.get $value)))))))
                (local.set $k (i32.sub (local.get $k) (i32.const 16)))
                (br $low_vector)))
            (block $low_done
              (loop $low_scalar
                (br_if $low_done (i32.lt_s (local.get $k) (local.get $from)))
                (local.set $value (f32.load (local.get $k)))
                (if (f32.lt (local.get $value) (local.get $bound))
                  (then (local.set $bound (call $siftDownMax (local.get $low) (local.get $filled) (local.get $value)))))
                (local.set $k (i32.sub (local.get $k) (i32.const 4)))
                (br $low_scalar)))

            ;; Sorted ascending, summed (the smallest upwards, the largest downwards), averaged
            ;; and rounded to float32 as np.mean of float32 values is.
            (call $sortAscending (local.get $low) (local.get $filled))
            (call $sortAscending (local.get $high) (local.get $filled))
            (local.set $sum (f64.const 0))
            (local.set $i (i32.const 0))
            (block $low_sum_done
              (loop $low_sum
                (br_if $low_sum_done (i32.ge_s (local.get $i) (local.get $filled)))
                (local.set $sum (f64.add (local.get $sum) (f64.promote_f32
                  (f32.load (i32.add (local.get $low) (i32.shl (local.get $i) (i32.const 2)))))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $low_sum)))
            (f64.store (i32.add (local.get $valleys) (local.get $out))
              (f64.promote_f32 (f32.demote_f64
                (f64.div (local.get $sum) (f64.convert_i32_u (local.get $filled))))))
            (local.set $sum (f64.const 0))
            (local.set $i (i32.sub (local.get $filled) (i32.const 1)))
            (block $high_sum_done
              (loop $high_sum
                (br_if $high_sum_done (i32.lt_s (local.get $i) (i32.const 0)))
                (local.set $sum (f64.add (local.get $sum) (f64.promote_f32
                  (f32.load (i32.add (local.get $high) (i32.shl (local.get $i) (i32.const 2)))))))
                (local.set $i (i32.sub (local.get $i) (i32.const 1)))
                (br $high_sum)))
            (f64.store (i32.add (local.get $peaks) (local.get $out))
              (f64.promote_f32 (f32.demote_f64
                (f64.div (local.get $sum) (f64.convert_i32_u (local.get $filled))))))
            (local.set $out (i32.add (local.get $out) (i32.const 8)))
            (local.set $band (i32.add (local.get $band) (i32.const 1)))
            (br $each_band)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $frame))))
)
