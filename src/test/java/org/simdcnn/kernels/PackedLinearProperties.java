package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.scalar.ScalarBackend;

/**
 * Prepacked fully connected weights ({@link Linear#pack}, {@link Linear#repack}) give bitwise the output of the
 * unpacked forward on non-integer data, for the active backend and the scalar reference: random sizes (tails of
 * the 12 x 32 register tile, K over several blocks), a repack after the weights changed, the same packed weights
 * for another batch; and the refusals.
 */
class PackedLinearProperties {

    @Provide
    Arbitrary<int[]> sizes() {
        // batch, in, out: in up to 1300 (three K blocks of the SGEMM's 576 bound), out across panel tails
        return Combinators.combine(Arbitraries.integers().between(1, 70), Arbitraries.integers().between(1, 1300),
                Arbitraries.integers().between(1, 100)).as((b, i, o) -> new int[] {b, i, o});
    }

    @Provide
    Arbitrary<Epilogue> epilogues() {
        return Arbitraries.of(Epilogue.NONE, Epilogue.RELU, Epilogue.leakyRelu(0.5f), Epilogue.clamp(-0.5f, 0.5f));
    }

    static Linear[] linears() {
        Linear active = SimdCnn.backend().linear();
        return active != ScalarBackend.INSTANCE.linear() ? new Linear[] {active, ScalarBackend.INSTANCE.linear()}
                : new Linear[] {active};
    }

    @Property(tries = 60)
    void packedForwardEqualsPlainForward(@ForAll("sizes") int[] s, @ForAll("epilogues") Epilogue e,
            @ForAll boolean withBias) {
        for (Linear lin : linears()) {
            check(lin, s[0], s[1], s[2], e, withBias, s[0] * 31L + s[1] * 7L + s[2]);
        }
    }

    @Test
    void namedSizes() {
        for (Linear lin : linears()) {
            // the MNIST classifier's first layer (K = 3136 in six blocks), and a batch above 384 rows
            check(lin, 64, 3136, 128, Epilogue.RELU, true, 1);
            check(lin, 400, 700, 390, Epilogue.NONE, true, 2);
            check(lin, 1, 1, 1, Epilogue.NONE, false, 3);
        }
    }

    static void check(Linear lin, int batch, int in, int out, Epilogue e, boolean withBias, long seed) {
        float[] x = RefKernels.reals(seed, batch * in);
        float[] w = RefKernels.reals(seed + 1, out * in + 5);
        float[] bias = withBias ? RefKernels.reals(seed + 2, out) : null;
        String what = lin + " batch=" + batch + " in=" + in + " out=" + out + " " + e + " bias=" + withBias;
        float[] y = new float[batch * out];
        lin.forward(batch, in, out, x, 0, w, 5, bias, y, 0, e);
        PackedLinearWeights pw = lin.pack(in, out, w, 5);
        assertEquals(in, pw.inFeatures(), what);
        assertEquals(out, pw.outFeatures(), what);
        float[] yp = new float[batch * out + 3];
        Arrays.fill(yp, Float.NaN);
        lin.forward(batch, in, out, x, 0, pw, bias, yp, 3, e);
        assertNull(RefKernels.firstDiff(y, Arrays.copyOfRange(yp, 3, yp.length), y.length), what + ": packed forward");
        // a snapshot: a weight change is not seen until repack
        float[] w2 = RefKernels.reals(seed + 3, out * in + 5);
        System.arraycopy(w2, 0, w, 0, w.length);
        lin.forward(batch, in, out, x, 0, pw, bias, yp, 3, e);
        assertNull(RefKernels.firstDiff(y, Arrays.copyOfRange(yp, 3, yp.length), y.length), what + ": snapshot");
        lin.repack(pw, w, 5);
        float[] y2 = new float[batch * out];
        lin.forward(batch, in, out, x, 0, w, 5, bias, y2, 0, e);
        lin.forward(batch, in, out, x, 0, pw, bias, yp, 3, e);
        assertNull(RefKernels.firstDiff(y2, Arrays.copyOfRange(yp, 3, yp.length), y2.length), what + ": repacked");
        // another batch with the same packed weights
        int b2 = batch + 13;
        float[] x2 = RefKernels.reals(seed + 4, b2 * in);
        float[] y3 = new float[b2 * out];
        float[] y3p = new float[b2 * out];
        lin.forward(b2, in, out, x2, 0, w, 5, bias, y3, 0, e);
        lin.forward(b2, in, out, x2, 0, pw, bias, y3p, 0, e);
        assertNull(RefKernels.firstDiff(y3, y3p, y3.length), what + ": batch " + b2);
    }

    @Test
    void refusals() {
        for (Linear lin : linears()) {
            float[] w = new float[12];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lin.pack(0, 3, w, 0));
            assertEquals("pack: in and out must be >= 1, got in=0, out=3", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> lin.pack(4, 3, w, 1));
            assertEquals("pack: w must hold in * out = 12 floats from wOff=1, got 12 floats", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> lin.pack(1 << 16, 1 << 15, w, 0));
            assertEquals("pack: in * out must be at most 2^30, got in=65536, out=32768", e.getMessage());
            PackedLinearWeights pw = lin.pack(4, 3, w, 0);
            e = assertThrows(IllegalArgumentException.class,
                    () -> lin.forward(2, 3, 4, new float[6], 0, pw, null, new float[8], 0, Epilogue.NONE));
            assertEquals("forward: weights packed for in=4, out=3 do not fit in=3, out=4", e.getMessage());
            PackedLinearWeights other = new PackedLinearWeights() {
                @Override
                public int inFeatures() {
                    return 4;
                }

                @Override
                public int outFeatures() {
                    return 3;
                }

                @Override
                public String toString() {
                    return "foreign";
                }
            };
            e = assertThrows(IllegalArgumentException.class,
                    () -> lin.forward(2, 4, 3, new float[8], 0, other, null, new float[6], 0, Epilogue.NONE));
            assertEquals("forward: weights were packed by another backend: foreign", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> lin.repack(pw, new float[11], 0));
            assertEquals("repack: w must hold in * out = 12 floats from wOff=0, got 11 floats", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> lin.repack(pw, null, 0));
            assertEquals("repack: w must hold in * out = 12 floats from wOff=0, got null", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new PackedLinearWeights.Copy(4, 3, w, -1));
            assertEquals("pack: w must hold in * out = 12 floats from wOff=-1, got 12 floats", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> lin.repack(other, w, 0));
            assertEquals("repack: weights were packed by another backend: foreign", e.getMessage());
        }
    }
}
