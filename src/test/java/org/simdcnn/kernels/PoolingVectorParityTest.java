package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.simdcnn.kernels.SimdParitySupport.FAST;
import static org.simdcnn.kernels.SimdParitySupport.LANES;
import static org.simdcnn.kernels.SimdParitySupport.REF;

import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.simdcnn.geometry.PoolGeometry;

/**
 * The served backend's general pooling ({@link org.simdcnn.SimdCnn#backend()}; the vectorised paths when the SIMD backend
 * serves) against the scalar reference, <em>bit for bit</em>: max pooling values, argmax indices (PyTorch's
 * first-maximum-wins ties, NaN wins and the last NaN takes the index, windows of only minus infinity report their
 * first real position, windows without input give -inf and -1) and max backward; average pooling forward and
 * backward with both divisor rules. Widths around the vector length (1, primes, lanes - 1, lanes, lanes + 1, 2
 * lanes + 3, large), strides 1 to 3, padding, dilation, ceil mode, 1d/2d/3d.
 */
class PoolingVectorParityTest {
    /** A pooling case: rank, width, height/depth size, kernel, stride, padding share, dilation, ceil, seed. */
    record Case(int dims, int w, int h, int k, int s, int padPick, int dil, boolean ceil, long seed) {
        PoolGeometry geometry(String kind) {
            boolean max = kind.equals("max_pool");
            int d = max ? dil : 1;
            int span = (k - 1) * d + 1;
            int pad = Math.min(k / 2, padPick);
            int[] size = new int[dims];
            for (int i = 0; i < dims; i++) {
                int v = i == dims - 1 ? w : Math.max(1, h - i);
                size[i] = Math.max(v, Math.max(1, span - 2 * pad));
            }
            return PoolGeometry.of(kind, dims, 2, 3, size, new int[] {k}, new int[] {s}, new int[] {pad},
                    new int[] {d}, ceil);
        }
    }

    static int[] widths() {
        return new int[] {1, 2, 3, 5, 7, 13, Math.max(1, LANES - 1), LANES, LANES + 1, 2 * LANES + 3, 31, 57, 97,
            130};
    }

    @Provide
    Arbitrary<Case> cases() {
        int[] ws = widths();
        Arbitrary<Integer> w = Arbitraries.integers().between(0, ws.length - 1).map(i -> ws[i]);
        return Combinators.combine(Arbitraries.integers().between(1, 3), w, Arbitraries.integers().between(1, 7),
                Arbitraries.integers().between(1, 5), Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(0, 5), Arbitraries.of(false, true), Arbitraries.longs())
                .as((dims, width, h, k, s, padDil, ceil, seed) -> new Case(dims, width, h, k, s, padDil % 3,
                        padDil / 3 + 1, ceil, seed));
    }

    /** Values of one of four kinds: distinct, small-integer ties, ties with NaN and -Inf, all -Inf runs. */
    static float[] maxInput(Random r, int n) {
        float[] x = new float[n];
        int kind = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            x[i] = switch (kind) {
                case 0 -> (float) r.nextGaussian();
                case 1 -> r.nextInt(3);
                case 2 -> {
                    int k = r.nextInt(20);
                    yield k == 0 ? Float.NaN : k == 1 ? Float.NEGATIVE_INFINITY : k == 2 ? -0f : r.nextInt(2);
                }
                default -> r.nextInt(4) == 0 ? 1f : Float.NEGATIVE_INFINITY;
            };
        }
        return x;
    }

    static void assertBits(String what, float[] want, float[] got) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i])) {
                fail(what + ": element " + i + " of " + want.length + ": expected " + want[i] + " got " + got[i]);
            }
        }
    }

    static void assertInts(String what, int[] want, int[] got) {
        for (int i = 0; i < want.length; i++) {
            if (want[i] != got[i]) {
                fail(what + ": index " + i + " of " + want.length + ": expected " + want[i] + " got " + got[i]);
            }
        }
    }

    static void checkMax(PoolGeometry g, long seed) {
        Random r = new Random(seed);
        int off = r.nextInt(3);
        float[] x = maxInput(r, g.inputSize() + off);
        float[] yRef = new float[g.outputSize()];
        float[] yFast = new float[g.outputSize()];
        int[] aRef = new int[g.outputSize()];
        int[] aFast = new int[g.outputSize()];
        REF.pooling().maxForward(g, x, off, yRef, 0, aRef, 0);
        FAST.pooling().maxForward(g, x, off, yFast, 0, aFast, 0);
        assertBits(g + " max forward", yRef, yFast);
        assertInts(g + " argmax", aRef, aFast);
        float[] yNoIdx = new float[g.outputSize()];
        FAST.pooling().maxForward(g, x, off, yNoIdx, 0, null, 0);
        assertBits(g + " max forward without indices", yRef, yNoIdx);
        float[] dy = new float[g.outputSize()];
        for (int i = 0; i < dy.length; i++) {
            dy[i] = (float) r.nextGaussian();
        }
        float[] dRef = new float[g.inputSize()];
        float[] dFast = new float[g.inputSize()];
        java.util.Arrays.fill(dFast, Float.NaN); // backward overwrites
        REF.pooling().maxBackward(g, dy, 0, aRef, 0, dRef, 0);
        FAST.pooling().maxBackward(g, dy, 0, aRef, 0, dFast, 0);
        assertBits(g + " max backward", dRef, dFast);
    }

    static void checkAvg(PoolGeometry g, boolean includePad, long seed) {
        Random r = new Random(seed);
        int off = r.nextInt(3);
        float[] x = new float[g.inputSize() + off];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3));
        }
        float[] yRef = new float[g.outputSize() + 1];
        float[] yFast = new float[g.outputSize() + 1];
        REF.pooling().avgForward(g, includePad, x, off, yRef, 1);
        FAST.pooling().avgForward(g, includePad, x, off, yFast, 1);
        assertBits(g + " avg forward cip=" + includePad, yRef, yFast);
        float[] dy = new float[g.outputSize()];
        for (int i = 0; i < dy.length; i++) {
            dy[i] = (float) r.nextGaussian();
        }
        float[] dRef = new float[g.inputSize()];
        float[] dFast = new float[g.inputSize()];
        java.util.Arrays.fill(dFast, Float.NaN);
        REF.pooling().avgBackward(g, includePad, dy, 0, dRef, 0);
        FAST.pooling().avgBackward(g, includePad, dy, 0, dFast, 0);
        assertBits(g + " avg backward cip=" + includePad, dRef, dFast);
    }

    @Property(tries = 250)
    void maxPoolingEqualsTheReferenceBitForBit(@ForAll("cases") Case c) {
        checkMax(c.geometry("max_pool"), c.seed());
    }

    @Property(tries = 200)
    void avgPoolingEqualsTheReferenceBitForBit(@ForAll("cases") Case c) {
        PoolGeometry g = c.geometry("avg_pool");
        checkAvg(g, false, c.seed());
        checkAvg(g, true, c.seed() + 1);
    }

    @Test
    void everyWidthAroundTheVectorLength() {
        long seed = 11;
        for (int w : widths()) {
            for (int k = 1; k <= 4; k++) {
                for (int s = 1; s <= 3; s++) {
                    int pad = Math.min(k / 2, 1);
                    int width = Math.max(w, k);
                    PoolGeometry g = PoolGeometry.of("max_pool", 2, 1, 2, new int[] {5, width}, new int[] {k},
                            new int[] {s}, new int[] {pad}, null, s == 2);
                    checkMax(g, seed++);
                    checkAvg(PoolGeometry.of("avg_pool", 2, 1, 2, new int[] {5, width}, new int[] {k},
                            new int[] {s}, new int[] {pad}, null, s == 2), (seed & 1) == 0, seed++);
                }
            }
        }
    }

    @Test
    void resnetStemAndInceptionShapes() {
        checkMax(PoolGeometry.pool2d("max_pool", 1, 2, 112, 112, 3, 2, 1, false), 1);
        checkMax(PoolGeometry.pool2d("max_pool", 1, 2, 55, 55, 3, 2, 0, true), 2);
        checkAvg(PoolGeometry.pool2d("avg_pool", 1, 2, 35, 35, 3, 1, 1, false), false, 3);
        checkAvg(PoolGeometry.pool2d("avg_pool", 1, 2, 35, 35, 3, 1, 1, false), true, 4);
        checkAvg(PoolGeometry.pool2d("avg_pool", 1, 2, 56, 56, 2, 2, 0, false), false, 5);
        checkMax(PoolGeometry.of("max_pool", 3, 1, 2, new int[] {5, 9, 33}, new int[] {3}, new int[] {2},
                new int[] {1}, null, true), 6);
        checkAvg(PoolGeometry.of("avg_pool", 3, 1, 2, new int[] {5, 9, 33}, new int[] {3}, new int[] {2},
                new int[] {1}, null, true), true, 7);
    }

    @Test
    void fused2x2OnSmallMapsAcrossPlaneBoundaries() {
        long seed = 40;
        // maps that tile exactly (two output rows per vector, row pairs running across planes: odd row counts)
        for (int h : new int[] {2, 4, 6, 14}) {
            // up to LANES: two output rows per vector; LANES + 2 .. 2 * LANES: one output row per vector (wide)
            for (int w : new int[] {2, 4, 6, 8, 10, 14, 16, LANES + 2, Math.max(2, 2 * LANES - 4), Math.max(2, 2 * LANES - 2), 2 * LANES,
                2 * LANES + 2}) {
                for (int planes : new int[] {1, 3, 7}) {
                    checkMax(PoolGeometry.pool2d("max_pool", 1, planes, h, w, 2, 2, 0, false), seed++);
                }
            }
        }
        checkMax(PoolGeometry.pool2d("max_pool", 5, 13, 14, 14, 2, 2, 0, false), seed++);
        checkMax(PoolGeometry.pool2d("max_pool", 4, 64, 14, 14, 2, 2, 0, false), seed++); // parallel blocks
        checkMax(PoolGeometry.pool2d("max_pool", 4, 16, 28, 28, 2, 2, 0, false), seed++); // wide, parallel blocks
        checkMax(PoolGeometry.of("max_pool", 3, 2, 3, new int[] {3, 6, Math.max(2, 2 * LANES - 4)}, new int[] {1, 2, 2}, null,
                null, null, false), seed++);
        checkMax(PoolGeometry.of("max_pool", 3, 2, 3, new int[] {3, 6, 10}, new int[] {1, 2, 2}, null, null, null,
                false), seed++);
        checkMax(PoolGeometry.of("max_pool", 1, 2, 3, new int[] {LANES + 1}, new int[] {2}, null, null, null,
                true), seed);
    }

    @Test
    void adaptiveAverageWithDividingSizesEqualsTheReferenceBitForBit() {
        int[][][] cases = {
            {{28, 28}, {7, 7}}, {{14, 14}, {2, 7}}, {{2 * LANES + 2}, {LANES + 1}}, {{97}, {97}}, {{6, 9, 12}, {3, 3, 4}},
            {{5, 35}, {5, 5}}};
        long seed = 70;
        for (int[][] c : cases) {
            int[] in = c[0];
            int[] out = c[1];
            int inN = 2 * 3;
            int outN = 2 * 3;
            for (int i = 0; i < in.length; i++) {
                inN *= in[i];
                outN *= out[i];
            }
            Random r = new Random(seed++);
            float[] x = new float[inN];
            for (int i = 0; i < inN; i++) {
                x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(5) - 2));
            }
            float[] yRef = new float[outN];
            float[] yFast = new float[outN];
            REF.pooling().adaptiveAvgForward(2, 3, in, out, x, 0, yRef, 0);
            FAST.pooling().adaptiveAvgForward(2, 3, in, out, x, 0, yFast, 0);
            String what = java.util.Arrays.toString(in) + " -> " + java.util.Arrays.toString(out);
            assertBits("adaptive " + what, yRef, yFast);
            float[] dy = new float[outN];
            for (int i = 0; i < outN; i++) {
                dy[i] = (float) r.nextGaussian();
            }
            float[] dRef = new float[inN];
            float[] dFast = new float[inN];
            java.util.Arrays.fill(dFast, Float.NaN);
            REF.pooling().adaptiveAvgBackward(2, 3, in, out, dy, 0, dRef, 0);
            FAST.pooling().adaptiveAvgBackward(2, 3, in, out, dy, 0, dFast, 0);
            assertBits("adaptive backward " + what, dRef, dFast);
        }
    }

    @Test
    void windowsWithoutInputAndWindowsOfMinusInfinity() {
        // input 1, kernel 2, dilation 2, padding 1: both windows see only padding
        PoolGeometry g = PoolGeometry.of("max_pool", 1, 1, 1, new int[] {1}, new int[] {2}, new int[] {1},
                new int[] {1}, new int[] {2}, false);
        checkMax(g, 1);
        // long rows of -inf with isolated NaN and values
        PoolGeometry wide = PoolGeometry.of("max_pool", 1, 2, 2, new int[] {3 * LANES + 5}, new int[] {3},
                new int[] {1}, new int[] {1}, new int[] {2}, true);
        Random r = new Random(5);
        float[] x = new float[wide.inputSize()];
        for (int i = 0; i < x.length; i++) {
            int k = r.nextInt(10);
            x[i] = k == 0 ? Float.NaN : k == 1 ? 2f : Float.NEGATIVE_INFINITY;
        }
        float[] yRef = new float[wide.outputSize()];
        float[] yFast = new float[wide.outputSize()];
        int[] aRef = new int[wide.outputSize()];
        int[] aFast = new int[wide.outputSize()];
        REF.pooling().maxForward(wide, x, 0, yRef, 0, aRef, 0);
        FAST.pooling().maxForward(wide, x, 0, yFast, 0, aFast, 0);
        assertBits("-inf rows", yRef, yFast);
        assertInts("-inf rows argmax", aRef, aFast);
    }
}
