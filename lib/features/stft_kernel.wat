;; The centred STFT's magnitude and power (lib/features/stft_wasm.ts) in WebAssembly SIMD.
;; Assemble with tools/wasm/build_wasm.mjs after changing it.
;;
;; Per frame, the algorithm of lib/features/fft.ts's RealFft, butterfly for butterfly: the
;; windowed frame is packed as H = nFft / 2 complex values (even samples real, odd imaginary)
;; in bit-reversed order; a radix-4 pass without multiplications does spans 1 and 2; radix-4
;; passes (spans s and 2s) follow, then a radix-2 pass when the stage count is odd; the real
;; spectrum is unpacked from the complex one. Butterflies k and k + 1 share a v128 (their
;; operations are independent and identical), so every value is what RealFft computes, and
;; magnitude and power are rounded as stft.ts rounds them (librosa's complex64 STFT):
;; real = f32(re), imag = f32(im), magnitude = f32(sqrt(real^2 + imag^2)), power =
;; f32(magnitude^2).
;;
;; Complex arrays are stored in blocks of two elements, 32 bytes: (re[2n], re[2n + 1],
;; im[2n], im[2n + 1]), so a vector of two real or two imaginary parts is one aligned load, and
;; element e's real part is at (e >> 1) * 32 + (e & 1) * 8, its imaginary part 16 bytes on.
(module
  (memory (export "memory") 1)
  ;; frames: frame count; hop4: hop in bytes of float32 samples; sig: the signal zero-padded by
  ;; nFft / 2 on each side (float32), frame t starting at sig + t * hop4.
  ;; H: nFft / 2; rev: i32[H] byte offset in the work array of element bitreverse(i);
  ;; win: float64 pairs (w[2i], w[2i + 1]); tw4: twiddles of the radix-4 passes, per pass and
  ;; butterfly pair (u1, u2, u3 = W_4s^k, W_4s^2k, W_4s^3k as blocks, 96 bytes); tw2: those of
  ;; the final radix-2 pass if any (W_2s^k, 32 bytes per pair); unpack: blocks of
  ;; (cos, sin)(2 pi k / nFft); work: H + 2 complex elements; mag / pow: float32[frames * (H + 1)].
  (func (export "stft")
    (param $frames i32) (param $hop4 i32) (param $sig i32) (param $H i32) (param $rev i32)
    (param $win i32) (param $tw4 i32) (param $tw2 i32) (param $unpack i32) (param $work i32)
    (param $mag i32) (param $pow i32)
    (local $t i32) (local $x i32) (local $i i32) (local $p i32) (local $end i32) (local $q i32)
    (local $s i32) (local $sb i32) (local $blockEnd i32) (local $twp i32) (local $twBase i32)
    (local $rowMag i32) (local $rowPow i32) (local $rowBytes i32) (local $k4 i32)
    (local $a0r f64) (local $a0i f64) (local $a1r f64) (local $a1i f64)
    (local $a2r f64) (local $a2i f64) (local $a3r f64) (local $a3i f64)
    (local $s01r f64) (local $s01i f64) (local $d01r f64) (local $d01i f64)
    (local $s23r f64) (local $s23i f64) (local $d23r f64) (local $d23i f64)
    (local $ar v128) (local $ai v128) (local $br v128) (local $bi v128) (local $cr v128)
    (local $ci v128) (local $dr v128) (local $di v128) (local $ur v128) (local $ui v128)
    (local $t1r v128) (local $t1i v128) (local $t2r v128) (local $t2i v128) (local $t3r v128)
    (local $t3i v128) (local $sumR v128) (local $sumI v128) (local $difR v128) (local $difI v128)
    (local $vs23r v128) (local $vs23i v128) (local $vd23r v128) (local $vd23i v128)
    (local $xr v128) (local $xi v128) (local $m v128) (local $edge f32)
    (local.set $rowBytes (i32.shl (i32.add (local.get $H) (i32.const 1)) (i32.const 2)))
    (local.set $x (local.get $sig))
    (local.set $rowMag (local.get $mag))
    (local.set $rowPow (local.get $pow))
    (local.set $t (i32.const 0))
    (block $frames_done
      (loop $frame
        (br_if $frames_done (i32.ge_u (local.get $t) (local.get $frames)))

        ;; Pack: element bitreverse(i) = (w[2i] * x[2i], w[2i + 1] * x[2i + 1]).
        (local.set $i (i32.const 0))
        (local.set $end (i32.shl (local.get $H) (i32.const 2)))
        (block $pack_done
          (loop $pack
            (br_if $pack_done (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $p (i32.add (local.get $work)
              (i32.load (i32.add (local.get $rev) (local.get $i)))))
            (local.set $ar (f64x2.mul
              (v128.load (i32.add (local.get $win) (i32.shl (local.get $i) (i32.const 2))))
              (f64x2.promote_low_f32x4
                (v128.load64_zero (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 1)))))))
            (v128.store64_lane 0 (local.get $p) (local.get $ar))
            (v128.store64_lane offset=16 1 (local.get $p) (local.get $ar))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $pack)))

        ;; Spans 1 and 2: one radix-4 pass without multiplications, four elements (two blocks).
        (local.set $p (local.get $work))
        (local.set $end (i32.add (local.get $work) (i32.shl (local.get $H) (i32.const 4))))
        (block $r4_done
          (loop $r4
            (br_if $r4_done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $a0r (f64.load (local.get $p)))
            (local.set $a1r (f64.load offset=8 (local.get $p)))
            (local.set $a0i (f64.load offset=16 (local.get $p)))
            (local.set $a1i (f64.load offset=24 (local.get $p)))
            (local.set $a2r (f64.load offset=32 (local.get $p)))
            (local.set $a3r (f64.load offset=40 (local.get $p)))
            (local.set $a2i (f64.load offset=48 (local.get $p)))
            (local.set $a3i (f64.load offset=56 (local.get $p)))
            (local.set $s01r (f64.add (local.get $a0r) (local.get $a1r)))
            (local.set $s01i (f64.add (local.get $a0i) (local.get $a1i)))
            (local.set $d01r (f64.sub (local.get $a0r) (local.get $a1r)))
            (local.set $d01i (f64.sub (local.get $a0i) (local.get $a1i)))
            (local.set $s23r (f64.add (local.get $a2r) (local.get $a3r)))
            (local.set $s23i (f64.add (local.get $a2i) (local.get $a3i)))
            (local.set $d23r (f64.sub (local.get $a2r) (local.get $a3r)))
            (local.set $d23i (f64.sub (local.get $a2i) (local.get $a3i)))
            (f64.store (local.get $p) (f64.add (local.get $s01r) (local.get $s23r)))
            (f64.store offset=16 (local.get $p) (f64.add (local.get $s01i) (local.get $s23i)))
            (f64.store offset=32 (local.get $p) (f64.sub (local.get $s01r) (local.get $s23r)))
            (f64.store offset=48 (local.get $p) (f64.sub (local.get $s01i) (local.get $s23i)))
            ;; d23 times -i.
            (f64.store offset=8 (local.get $p) (f64.add (local.get $d01r) (local.get $d23i)))
            (f64.store offset=24 (local.get $p) (f64.sub (local.get $d01i) (local.get $d23r)))
            (f64.store offset=40 (local.get $p) (f64.sub (local.get $d01r) (local.get $d23i)))
            (f64.store offset=56 (local.get $p) (f64.add (local.get $d01i) (local.get $d23r)))
            (local.set $p (i32.add (local.get $p) (i32.const 64)))
            (br $r4)))

        ;; Radix-4 passes, spans s and 2s (s = 4, 16, ..), butterflies k and k + 1 per vector:
        ;; with u = W_4s^k: b, c, d times u^2, u, u^3; a + t1 +- (t2 + t3); a - t1 -+ i (t2 - t3).
        (local.set $twBase (local.get $tw4))
        (local.set $s (i32.const 4))
        (block $passes_done
          (loop $pass
            (br_if $passes_done (i32.gt_u (i32.shl (local.get $s) (i32.const 2)) (local.get $H)))
            (local.set $sb (i32.shl (local.get $s) (i32.const 4)))
            (local.set $q (local.get $work))
            (block $blocks_done
              (loop $block
                (br_if $blocks_done (i32.ge_u (local.get $q) (local.get $end)))
                (local.set $p (local.get $q))
                (local.set $blockEnd (i32.add (local.get $q) (local.get $sb)))
                (local.set $twp (local.get $twBase))
                (block $pairs_done
                  (loop $pair
                    (br_if $pairs_done (i32.ge_u (local.get $p) (local.get $blockEnd)))
                    ;; t1 = b * u^2
                    (local.set $ur (v128.load offset=32 (local.get $twp)))
                    (local.set $ui (v128.load offset=48 (local.get $twp)))
                    (local.set $k4 (i32.add (local.get $p) (local.get $sb)))
                    (local.set $br (v128.load (local.get $k4)))
                    (local.set $bi (v128.load offset=16 (local.get $k4)))
                    (local.set $t1r (f64x2.sub (f64x2.mul (local.get $br) (local.get $ur)) (f64x2.mul (local.get $bi) (local.get $ui))))
                    (local.set $t1i (f64x2.add (f64x2.mul (local.get $br) (local.get $ui)) (f64x2.mul (local.get $bi) (local.get $ur))))
                    ;; t2 = c * u
                    (local.set $ur (v128.load (local.get $twp)))
                    (local.set $ui (v128.load offset=16 (local.get $twp)))
                    (local.set $k4 (i32.add (local.get $k4) (local.get $sb)))
                    (local.set $cr (v128.load (local.get $k4)))
                    (local.set $ci (v128.load offset=16 (local.get $k4)))
                    (local.set $t2r (f64x2.sub (f64x2.mul (local.get $cr) (local.get $ur)) (f64x2.mul (local.get $ci) (local.get $ui))))
                    (local.set $t2i (f64x2.add (f64x2.mul (local.get $cr) (local.get $ui)) (f64x2.mul (local.get $ci) (local.get $ur))))
                    ;; t3 = d * u^3
                    (local.set $ur (v128.load offset=64 (local.get $twp)))
                    (local.set $ui (v128.load offset=80 (local.get $twp)))
                    (local.set $k4 (i32.add (local.get $k4) (local.get $sb)))
                    (local.set $dr (v128.load (local.get $k4)))
                    (local.set $di (v128.load offset=16 (local.get $k4)))
                    (local.set $t3r (f64x2.sub (f64x2.mul (local.get $dr) (local.get $ur)) (f64x2.mul (local.get $di) (local.get $ui))))
                    (local.set $t3i (f64x2.add (f64x2.mul (local.get $dr) (local.get $ui)) (f64x2.mul (local.get $di) (local.get $ur))))
                    (local.set $ar (v128.load (local.get $p)))
                    (local.set $ai (v128.load offset=16 (local.get $p)))
                    (local.set $sumR (f64x2.add (local.get $ar) (local.get $t1r)))
                    (local.set $sumI (f64x2.add (local.get $ai) (local.get $t1i)))
                    (local.set $difR (f64x2.sub (local.get $ar) (local.get $t1r)))
                    (local.set $difI (f64x2.sub (local.get $ai) (local.get $t1i)))
                    (local.set $vs23r (f64x2.add (local.get $t2r) (local.get $t3r)))
                    (local.set $vs23i (f64x2.add (local.get $t2i) (local.get $t3i)))
                    (local.set $vd23r (f64x2.sub (local.get $t2r) (local.get $t3r)))
                    (local.set $vd23i (f64x2.sub (local.get $t2i) (local.get $t3i)))
                    (v128.store (local.get $p) (f64x2.add (local.get $sumR) (local.get $vs23r)))
                    (v128.store offset=16 (local.get $p) (f64x2.add (local.get $sumI) (local.get $vs23i)))
                    (local.set $k4 (i32.add (local.get $p) (local.get $sb)))
                    ;; b: dif - i d23 = (difR + d23i, difI - d23r)
                    (v128.store (local.get $k4) (f64x2.add (local.get $difR) (local.get $vd23i)))
                    (v128.store offset=16 (local.get $k4) (f64x2.sub (local.get $difI) (local.get $vd23r)))
                    (local.set $k4 (i32.add (local.get $k4) (local.get $sb)))
                    (v128.store (local.get $k4) (f64x2.sub (local.get $sumR) (local.get $vs23r)))
                    (v128.store offset=16 (local.get $k4) (f64x2.sub (local.get $sumI) (local.get $vs23i)))
                    (local.set $k4 (i32.add (local.get $k4) (local.get $sb)))
                    ;; d: dif + i d23 = (difR - d23i, difI + d23r)
                    (v128.store (local.get $k4) (f64x2.sub (local.get $difR) (local.get $vd23i)))
                    (v128.store offset=16 (local.get $k4) (f64x2.add (local.get $difI) (local.get $vd23r)))
                    (local.set $p (i32.add (local.get $p) (i32.const 32)))
                    (local.set $twp (i32.add (local.get $twp) (i32.const 96)))
                    (br $pair)))
                (local.set $q (i32.add (local.get $q) (i32.shl (local.get $sb) (i32.const 2))))
                (br $block)))
            ;; This pass used s / 2 twiddle records of 96 bytes.
            (local.set $twBase (i32.add (local.get $twBase) (i32.mul (local.get $s) (i32.const 48))))
            (local.set $s (i32.shl (local.get $s) (i32.const 2)))
            (br $pass)))

        ;; A final radix-2 pass (span s = H / 2) when the stage count is odd.
        (if (i32.lt_u (local.get $s) (local.get $H))
          (then
            (local.set $sb (i32.shl (local.get $s) (i32.const 4)))
            (local.set $p (local.get $work))
            (local.set $twp (local.get $tw2))
            (local.set $blockEnd (i32.add (local.get $work) (local.get $sb)))
            (block $r2_done
              (loop $r2
                (br_if $r2_done (i32.ge_u (local.get $p) (local.get $blockEnd)))
                (local.set $ur (v128.load (local.get $twp)))
                (local.set $ui (v128.load offset=16 (local.get $twp)))
                (local.set $k4 (i32.add (local.get $p) (local.get $sb)))
                (local.set $br (v128.load (local.get $k4)))
                (local.set $bi (v128.load offset=16 (local.get $k4)))
                (local.set $t1r (f64x2.sub (f64x2.mul (local.get $br) (local.get $ur)) (f64x2.mul (local.get $bi) (local.get $ui))))
                (local.set $t1i (f64x2.add (f64x2.mul (local.get $br) (local.get $ui)) (f64x2.mul (local.get $bi) (local.get $ur))))
                (local.set $ar (v128.load (local.get $p)))
                (local.set $ai (v128.load offset=16 (local.get $p)))
                (v128.store (local.get $p) (f64x2.add (local.get $ar) (local.get $t1r)))
                (v128.store offset=16 (local.get $p) (f64x2.add (local.get $ai) (local.get $t1i)))
                (v128.store (local.get $k4) (f64x2.sub (local.get $ar) (local.get $t1r)))
                (v128.store offset=16 (local.get $k4) (f64x2.sub (local.get $ai) (local.get $t1i)))
                (local.set $p (i32.add (local.get $p) (i32.const 32)))
                (local.set $twp (i32.add (local.get $twp) (i32.const 32)))
                (br $r2)))))

        ;; Unpack bins k and k + 1 (k = 0, 2, .. H - 2): X[k] = E[k] + W^k O[k], with E and O
        ;; from z[k] and z[H - k]. Lane 0 of k = 0 is garbage, rewritten below.
        (local.set $p (local.get $work))
        (local.set $q (i32.sub (i32.add (local.get $work) (i32.shl (local.get $H) (i32.const 4))) (i32.const 32)))
        (local.set $twp (local.get $unpack))
        (local.set $i (i32.const 0))
        (block $unpack_done
          (loop $unpack
            (br_if $unpack_done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $ar (v128.load (local.get $p)))
            (local.set $ai (v128.load offset=16 (local.get $p)))
            ;; (z[H - k], z[H - k - 1]): element H - k is even (block start at q + 32), H - k - 1
            ;; odd (second of the block at q).
            (local.set $cr (v128.load64_lane offset=8 1 (local.get $q) (v128.load64_zero offset=32 (local.get $q))))
            (local.set $ci (v128.load64_lane offset=24 1 (local.get $q) (v128.load64_zero offset=48 (local.get $q))))
            (local.set $sumR (f64x2.mul (f64x2.splat (f64.const 0.5)) (f64x2.add (local.get $ar) (local.get $cr))))
            (local.set $sumI (f64x2.mul (f64x2.splat (f64.const 0.5)) (f64x2.sub (local.get $ai) (local.get $ci))))
            (local.set $difR (f64x2.mul (f64x2.splat (f64.const 0.5)) (f64x2.add (local.get $ai) (local.get $ci))))
            (local.set $difI (f64x2.mul (f64x2.splat (f64.const -0.5)) (f64x2.sub (local.get $ar) (local.get $cr))))
            (local.set $ur (v128.load (local.get $twp)))
            (local.set $ui (v128.load offset=16 (local.get $twp)))
            ;; er + cos * or + sin * oi and ei + cos * oi - sin * or, left to right as in fft.ts.
            (local.set $xr (f64x2.add (f64x2.add (local.get $sumR) (f64x2.mul (local.get $ur) (local.get $difR)))
              (f64x2.mul (local.get $ui) (local.get $difI))))
            (local.set $xi (f64x2.sub (f64x2.add (local.get $sumI) (f64x2.mul (local.get $ur) (local.get $difI)))
              (f64x2.mul (local.get $ui) (local.get $difR))))
            (local.set $xr (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $xr))))
            (local.set $xi (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $xi))))
            (local.set $m (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
              (f64x2.sqrt (f64x2.add (f64x2.mul (local.get $xr) (local.get $xr))
                (f64x2.mul (local.get $xi) (local.get $xi)))))))
            (v128.store64_lane 0 (i32.add (local.get $rowMag) (local.get $i))
              (f32x4.demote_f64x2_zero (local.get $m)))
            (v128.store64_lane 0 (i32.add (local.get $rowPow) (local.get $i))
              (f32x4.demote_f64x2_zero (f64x2.mul (local.get $m) (local.get $m))))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (local.set $q (i32.sub (local.get $q) (i32.const 32)))
            (local.set $twp (i32.add (local.get $twp) (i32.const 32)))
            (local.set $i (i32.add (local.get $i) (i32.const 8)))
            (br $unpack)))
        ;; Bins 0 and H: z[0].re +- z[0].im, real; magnitude |f32(value)|.
        (local.set $a0r (f64.load (local.get $work)))
        (local.set $a0i (f64.load offset=16 (local.get $work)))
        (local.set $edge (f32.abs (f32.demote_f64 (f64.add (local.get $a0r) (local.get $a0i)))))
        (f32.store (local.get $rowMag) (local.get $edge))
        (f32.store (local.get $rowPow)
          (f32.demote_f64 (f64.mul (f64.promote_f32 (local.get $edge)) (f64.promote_f32 (local.get $edge)))))
        (local.set $edge (f32.abs (f32.demote_f64 (f64.sub (local.get $a0r) (local.get $a0i)))))
        (local.set $p (i32.shl (local.get $H) (i32.const 2)))
        (f32.store (i32.add (local.get $rowMag) (local.get $p)) (local.get $edge))
        (f32.store (i32.add (local.get $rowPow) (local.get $p))
          (f32.demote_f64 (f64.mul (f64.promote_f32 (local.get $edge)) (f64.promote_f32 (local.get $edge)))))

        (local.set $x (i32.add (local.get $x) (local.get $hop4)))
        (local.set $rowMag (i32.add (local.get $rowMag) (local.get $rowBytes)))
        (local.set $rowPow (i32.add (local.get $rowPow) (local.get $rowBytes)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $frame)))))
