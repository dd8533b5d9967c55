package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.simdcnn.kernels.SimdParitySupport.FAST;
import static org.simdcnn.kernels.SimdParitySupport.REF;
import static org.simdcnn.kernels.SimdParitySupport.assertClose;
import static org.simdcnn.kernels.SimdParitySupport.assertSameInts;
import static org.simdcnn.kernels.SimdParitySupport.values;

import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.simdcnn.geometry.PoolGeometry;

/**
 * The served backend's pooling against the scalar reference: the fused 2x2 stride-2 max pool on the MNIST CNN's
 * shapes and awkward widths (argmax identical, ties and NaN included), general max/avg pooling in 1d/2d/3d with
 * padding, dilation, ceil mode and count_include_pad, adaptive and global average, forward and backward.
 */
class SimdPoolingParityTest {
    @BeforeEach
    void refReady() {
        PoolGeometry g = PoolGeometry.pool2d("max_pool", 1, 1, 2, 2, 2, 2, 0, false);
        assumeTrue(SimdParitySupport.refReady(() -> REF.pooling().maxForward(g, new float[4], 0, new float[1], 0,
                null, 0)), "scalar reference pooling not implemented yet");
    }

    /** Values with ties (small integers) half of the time, NaN and -Inf sprinkled in. */
    static float[] poolValues(Random r, int n) {
        float[] x = values(r, n, false);
        boolean ties = r.nextBoolean();
        for (int i = 0; i < n; i++) {
            if (ties) {
                x[i] = r.nextInt(3);
            }
            int k = r.nextInt(200);
            if (k == 0) {
                x[i] = Float.NaN;
            } else if (k == 1) {
                x[i] = Float.NEGATIVE_INFINITY;
            }
        }
        return x;
    }

    static void checkMax(PoolGeometry g, long seed) {
        Random r = new Random(seed);
        int in = g.inputSize();
        int out = g.outputSize();
        float[] x = poolValues(r, in + 3);
        float[] yw = new float[out + 2];
        float[] yg = new float[out + 2];
        int[] aw = new int[out + 1];
        int[] ag = new int[out + 1];
        REF.pooling().maxForward(g, x, 3, yw, 2, aw, 1);
        FAST.pooling().maxForward(g, x, 3, yg, 2, ag, 1);
        assertClose(g + " max forward", yw, 2, yg, 2, out, 0, 0);
        assertSameInts(g + " argmax", aw, 1, ag, 1, out);
        FAST.pooling().maxForward(g, x, 3, yg, 2, null, 0);
        assertClose(g + " max forward without argmax", yw, 2, yg, 2, out, 0, 0);
        float[] dy = values(r, out, false);
        float[] dw = new float[in + 1];
        float[] dg = values(r, in + 1, false);
        REF.pooling().maxBackward(g, dy, 0, aw, 1, dw, 1);
        FAST.pooling().maxBackward(g, dy, 0, aw, 1, dg, 1);
        assertClose(g + " max backward", dw, 1, dg, 1, in, 4, 1e-6);
    }

    static void checkAvg(PoolGeometry g, boolean includePad, long seed) {
        Random r = new Random(seed);
        int in = g.inputSize();
        int out = g.outputSize();
        float[] x = values(r, in + 1, false);
        float[] yw = new float[out];
        float[] yg = new float[out];
        REF.pooling().avgForward(g, includePad, x, 1, yw, 0);
        FAST.pooling().avgForward(g, includePad, x, 1, yg, 0);
        // sums of mixed-sign values: bounded relative to the largest input of the plane rather than the result
        assertClose(g + " avg forward", yw, 0, yg, 0, out, 8, 1e-5 * 100);
        float[] dy = values(r, out, false);
        float[] dw = new float[in];
        float[] dg = values(r, in, false);
        REF.pooling().avgBackward(g, includePad, dy, 0, dw, 0);
        FAST.pooling().avgBackward(g, includePad, dy, 0, dg, 0);
        assertClose(g + " avg backward", dw, 0, dg, 0, in, 8, 1e-5 * 100);
    }

    @Test
    void fusedMaxPoolOnMnistShapes() {
        checkMax(PoolGeometry.pool2d("max_pool", 2, 32, 28, 28, 2, 2, 0, false), 1);
        checkMax(PoolGeometry.pool2d("max_pool", 2, 64, 14, 14, 2, 2, 0, false), 2);
        checkMax(PoolGeometry.pool2d("max_pool", 1, 3, 65, 67, 2, 2, 0, false), 3); // odd sizes, floor
        checkMax(PoolGeometry.pool2d("max_pool", 1, 3, 65, 67, 2, 2, 0, true), 4); // ceil: partial last windows
        checkMax(PoolGeometry.pool2d("max_pool", 1, 2, 2, 2 * 16 * 3 + 2, 2, 2, 0, false), 5);
        // narrow maps: two output rows per vector, odd row counts, ceil mode
        for (int h = 2; h <= 9; h++) {
            for (int w = 2; w <= 19; w += 3) {
                checkMax(PoolGeometry.of("max_pool", 2, 2, 3, new int[] {h, w}, new int[] {2}, null, null, null,
                        (h + w) % 2 == 0), 100 + h * 31 + w);
            }
        }
        checkMax(PoolGeometry.of("max_pool", 3, 2, 3, new int[] {3, 6, 10}, new int[] {1, 2, 2}, null, null, null,
                false), 7); // 3d with a unit depth kernel takes the fused path per depth slice
    }

    @Test
    void resnetStemMaxPool() {
        checkMax(PoolGeometry.pool2d("max_pool", 1, 8, 56, 56, 3, 2, 1, false), 6);
    }

    @Property(tries = 80)
    void generalMaxPool(@ForAll("dims") int dims, @ForAll("k") int k, @ForAll("s") int s, @ForAll("d") int d,
            @ForAll boolean ceil, @ForAll("in") int in, @ForAll long seed) {
        int pad = Math.min(k / 2, (int) Math.floorMod(seed, k / 2 + 1));
        int[] size = new int[dims];
        for (int i = 0; i < dims; i++) {
            size[i] = Math.max(in - i, (k - 1) * d + 1);
        }
        PoolGeometry g = PoolGeometry.of("max_pool", dims, 2, 3, size, new int[] {k}, new int[] {s},
                new int[] {pad}, new int[] {d}, ceil);
        checkMax(g, seed);
    }

    @Property(tries = 80)
    void generalAvgPool(@ForAll("dims") int dims, @ForAll("k") int k, @ForAll("s") int s, @ForAll boolean ceil,
            @ForAll boolean includePad, @ForAll("in") int in, @ForAll long seed) {
        int pad = Math.min(k / 2, (int) Math.floorMod(seed, k / 2 + 1));
        int[] size = new int[dims];
        for (int i = 0; i < dims; i++) {
            size[i] = Math.max(in - i, k);
        }
        PoolGeometry g = PoolGeometry.of("avg_pool", dims, 2, 3, size, new int[] {k}, new int[] {s},
                new int[] {pad}, null, ceil);
        checkAvg(g, includePad, seed);
    }

    @Property(tries = 60)
    void adaptiveAndGlobalAverage(@ForAll("dims") int dims, @ForAll("in") int in, @ForAll("outSize") int out,
            @ForAll boolean global, @ForAll long seed) {
        Random r = new Random(seed);
        int[] is = new int[dims];
        int[] os = new int[dims];
        for (int i = 0; i < dims; i++) {
            is[i] = Math.max(1, in - 2 * i);
            os[i] = global ? 1 : Math.max(1, Math.min(out + i, is[i] + 2));
        }
        int batch = 2;
        int ch = 3;
        int inN = batch * ch;
        int outN = batch * ch;
        for (int i = 0; i < dims; i++) {
            inN *= is[i];
            outN *= os[i];
        }
        float[] x = values(r, inN, false);
        float[] yw = new float[outN];
        float[] yg = new float[outN];
        REF.pooling().adaptiveAvgForward(batch, ch, is, os, x, 0, yw, 0);
        FAST.pooling().adaptiveAvgForward(batch, ch, is, os, x, 0, yg, 0);
        assertClose("adaptive avg forward", yw, 0, yg, 0, outN, 8, 1e-3);
        float[] dy = values(r, outN, false);
        float[] dw = new float[inN];
        float[] dg = values(r, inN, false);
        REF.pooling().adaptiveAvgBackward(batch, ch, is, os, dy, 0, dw, 0);
        FAST.pooling().adaptiveAvgBackward(batch, ch, is, os, dy, 0, dg, 0);
        assertClose("adaptive avg backward", dw, 0, dg, 0, inN, 8, 1e-3);
    }

    @Provide
    Arbitrary<Integer> dims() {
        return Arbitraries.integers().between(1, 3);
    }

    @Provide
    Arbitrary<Integer> k() {
        return Arbitraries.integers().between(1, 4);
    }

    @Provide
    Arbitrary<Integer> s() {
        return Arbitraries.integers().between(1, 3);
    }

    @Provide
    Arbitrary<Integer> d() {
        return Arbitraries.integers().between(1, 2);
    }

    @Provide
    Arbitrary<Integer> in() {
        return Arbitraries.integers().between(1, 12);
    }

    @Provide
    Arbitrary<Integer> outSize() {
        return Arbitraries.integers().between(1, 5);
    }
}
