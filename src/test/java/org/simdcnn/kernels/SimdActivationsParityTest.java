package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.simdcnn.kernels.SimdParitySupport.FAST;
import static org.simdcnn.kernels.SimdParitySupport.LANES;
import static org.simdcnn.kernels.SimdParitySupport.REF;
import static org.simdcnn.kernels.SimdParitySupport.assertClose;
import static org.simdcnn.kernels.SimdParitySupport.assertSameInts;
import static org.simdcnn.kernels.SimdParitySupport.awkwardLengths;
import static org.simdcnn.kernels.SimdParitySupport.values;

import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The served backend's activations against the scalar reference: every kind, forward (out of place and in place)
 * and backward, on awkward lengths with offsets and the special values mixed in, with a per-function ulp bound
 * (or an absolute floor where the reference is exact but the value is tiny next to its inputs).
 */
class SimdActivationsParityTest {
    /**
     * Bounds per kind: forward ulps, forward floor relative to |x|; backward ulps, backward floor relative to |dy|
     * (a derivative that crosses zero, such as GELU's at -0.75, loses its relative accuracy to cancellation in any
     * float evaluation, so it is bounded relative to the upstream gradient). Results below {@link #TINY} are
     * compared absolutely (subnormal intermediates).
     */
    record Tol(double fwdUlps, double fwdRel, double bwdUlps, double bwdRel) {
    }

    static final double TINY = 1e-37;

    static Tol tol(ActivationFn.Kind k) {
        return switch (k) {
            case RELU, LEAKY_RELU -> new Tol(1, 0, 1, 0);
            case HARDSWISH -> new Tol(2, 0, 4, 1e-7);
            case SIGMOID, TANH -> new Tol(2, 0, 3, 0);
            case ELU -> new Tol(3, 0, 3, 0);
            case SILU -> new Tol(4, 0, 8, 3e-7);
            case SOFTPLUS -> new Tol(4, 0, 4, 0);
            case GELU -> new Tol(32, 0, 32, 3e-7);
            case GELU_TANH -> new Tol(512, 0, 512, 3e-7);
        };
    }

    static List<ActivationFn> all() {
        return List.of(ActivationFn.RELU, ActivationFn.leakyRelu(0.01f), ActivationFn.leakyRelu(-0.3f),
                ActivationFn.elu(1f), ActivationFn.elu(0.5f), ActivationFn.SIGMOID, ActivationFn.TANH,
                ActivationFn.GELU, ActivationFn.GELU_TANH, ActivationFn.SILU, ActivationFn.softplus(1f, 20f),
                ActivationFn.softplus(2.5f, 5f), ActivationFn.HARDSWISH);
    }

    @BeforeEach
    void refReady() {
        assumeTrue(SimdParitySupport.refReady(() -> REF.activations().forward(ActivationFn.RELU, new float[1], 0,
                new float[1], 0, 1)), "scalar reference activations not implemented yet");
    }

    private static void check(ActivationFn f, int n, long seed) {
        Random r = new Random(seed);
        int xo = r.nextInt(4);
        int yo = r.nextInt(4);
        float[] x = values(r, xo + n + 3, true);
        float[] want = new float[yo + n];
        float[] got = new float[yo + n];
        REF.activations().forward(f, x, xo, want, yo, n);
        FAST.activations().forward(f, x, xo, got, yo, n);
        Tol t = tol(f.kind());
        assertClose(f + " forward n=" + n, want, yo, got, yo, n, t.fwdUlps(), TINY, t.fwdRel(), x, xo);
        // in place
        float[] inPlace = x.clone();
        FAST.activations().forward(f, inPlace, xo, inPlace, xo, n);
        assertClose(f + " forward in place n=" + n, want, yo, inPlace, xo, n, t.fwdUlps(), TINY, t.fwdRel(), x,
                xo);
        // backward with the reference's forward output, dx aliasing dy as well
        float[] dy = values(r, n + 2, false);
        float[] dxWant = new float[n + 2];
        float[] dxGot = new float[n + 2];
        REF.activations().backward(f, x, xo, want, yo, dy, 1, dxWant, 2, n);
        FAST.activations().backward(f, x, xo, want, yo, dy, 1, dxGot, 2, n);
        assertClose(f + " backward n=" + n, dxWant, 2, dxGot, 2, n, t.bwdUlps(), TINY, t.bwdRel(), dy, 1);
        float[] alias = dy.clone();
        FAST.activations().backward(f, x, xo, want, yo, alias, 1, alias, 1, n);
        assertClose(f + " backward dx=dy n=" + n, dxWant, 2, alias, 1, n, t.bwdUlps(), TINY, t.bwdRel(), dy, 1);
    }

    @Test
    void everyKindOnAwkwardLengths() {
        long seed = 11;
        for (ActivationFn f : all()) {
            for (int n : awkwardLengths()) {
                check(f, n, seed++);
            }
        }
    }

    /**
     * ReLU and LeakyReLU are exact: the same bits as the reference, the sign of zero included (the SIMD LeakyReLU
     * computes max(v, a·v) for 0 &lt; a &le; 1 and a compare-and-blend otherwise), for slopes in and out of (0, 1],
     * on every special value and on tiny inputs whose product with the slope underflows.
     */
    @Test
    void reluAndLeakyReluAreBitwiseTheReference() {
        Random r = new Random(5);
        int n = 4 * LANES + 7;
        for (float a : new float[] {0.01f, 0.2f, 1f, 1e-30f, Float.MIN_VALUE, 0f, -0.3f, 1.5f, -2f}) {
            for (ActivationFn f : List.of(ActivationFn.RELU, ActivationFn.leakyRelu(a))) {
                for (int round = 0; round < 20; round++) {
                    float[] x = values(r, n, true);
                    for (int i = 0; i < n; i += 5) {
                        x[i] = switch (r.nextInt(6)) {
                            case 0 -> -0f;
                            case 1 -> 0f;
                            case 2 -> -Float.MIN_VALUE * (1 + r.nextInt(100));
                            case 3 -> Float.MIN_NORMAL * -r.nextFloat();
                            case 4 -> Float.NEGATIVE_INFINITY;
                            default -> Float.intBitsToFloat(r.nextInt());
                        };
                    }
                    float[] want = new float[n];
                    float[] got = new float[n];
                    REF.activations().forward(f, x, 0, want, 0, n);
                    FAST.activations().forward(f, x, 0, got, 0, n);
                    for (int i = 0; i < n; i++) {
                        if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i])) {
                            throw new AssertionError(f + ": x=" + x[i] + " (bits " + Integer.toHexString(
                                    Float.floatToRawIntBits(x[i])) + ") want " + want[i] + " got " + got[i]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void largeArraysTakeTheChunkedPath() {
        for (ActivationFn f : List.of(ActivationFn.RELU, ActivationFn.SIGMOID, ActivationFn.GELU)) {
            check(f, 2 * 65536 + 3 * LANES + 5, 99);
        }
    }

    @Provide
    Arbitrary<ActivationFn> kinds() {
        return Arbitraries.of(all());
    }

    @Property(tries = 120)
    void randomLengthsAndSeeds(@ForAll("kinds") ActivationFn f, @ForAll("len") int n, @ForAll long seed) {
        check(f, n, seed);
    }

    @Provide
    Arbitrary<Integer> len() {
        return Arbitraries.integers().between(0, 300);
    }

    @Property(tries = 60)
    void maxoutMatchesReference(@ForAll("small") int batch, @ForAll("small") int channels,
            @ForAll("small") int pieces, @ForAll("spatial") int spatial, @ForAll long seed) {
        Random r = new Random(seed);
        int n = batch * channels * pieces * spatial;
        float[] x = values(r, n + 2, true);
        if (r.nextBoolean()) { // many ties
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextInt(3);
            }
        }
        int outN = batch * channels * spatial;
        float[] yw = new float[outN + 1];
        float[] yg = new float[outN + 1];
        int[] aw = new int[outN + 3];
        int[] ag = new int[outN + 3];
        REF.activations().maxoutForward(batch, channels, pieces, spatial, x, 2, yw, 1, aw, 3);
        FAST.activations().maxoutForward(batch, channels, pieces, spatial, x, 2, yg, 1, ag, 3);
        assertClose("maxout forward", yw, 1, yg, 1, outN, 0, 0);
        assertSameInts("maxout argmax", aw, 3, ag, 3, outN);
        FAST.activations().maxoutForward(batch, channels, pieces, spatial, x, 2, yg, 1, null, 0);
        assertClose("maxout forward without argmax", yw, 1, yg, 1, outN, 0, 0);
        float[] dy = values(r, outN, false);
        float[] dw = new float[n + 1];
        float[] dg = values(r, n + 1, false);
        REF.activations().maxoutBackward(batch, channels, pieces, spatial, dy, 0, aw, 3, dw, 1);
        FAST.activations().maxoutBackward(batch, channels, pieces, spatial, dy, 0, aw, 3, dg, 1);
        assertClose("maxout backward", dw, 1, dg, 1, n, 0, 0);
    }

    @Provide
    Arbitrary<Integer> small() {
        return Arbitraries.integers().between(1, 4);
    }

    @Provide
    Arbitrary<Integer> spatial() {
        return Arbitraries.integers().between(1, 3 * LANES + 1);
    }
}
