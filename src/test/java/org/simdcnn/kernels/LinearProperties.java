package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.simdcnn.kernels.ConvCases.dot;
import static org.simdcnn.kernels.ConvCases.ints;
import static org.simdcnn.kernels.ConvCases.minus;
import static org.simdcnn.kernels.ConvCases.nanFilled;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.kernels.scalar.ScalarBackend;

/**
 * Properties of the reference linear layer with integer data (exact): forward equals the GEMM
 * {@code x * w^T + b} and a pointwise 1d convolution, and the three backward kernels are its adjoints.
 */
class LinearProperties {
    private static final Linear LINEAR = ScalarBackend.INSTANCE.linear();
    private static final Gemm GEMM = ScalarBackend.INSTANCE.gemm();
    private static final Conv CONV = ScalarBackend.INSTANCE.conv();

    @Provide
    Arbitrary<Integer> size() {
        return Arbitraries.of(1, 2, 3, 5, 7, 11, 16);
    }

    @Provide
    Arbitrary<Epilogue> epilogues() {
        return Arbitraries.of(Epilogue.NONE, Epilogue.RELU, Epilogue.leakyRelu(0.5f), Epilogue.clamp(-4f, 6f));
    }

    @Property(tries = 200)
    void forwardEqualsGemmAndPointwiseConv(@ForAll("size") int batch, @ForAll("size") int in,
            @ForAll("size") int out, @ForAll boolean withBias, @ForAll("epilogues") Epilogue e, @ForAll long seed) {
        float[] x = ints(seed, batch * in);
        float[] w = ints(seed + 1, out * in);
        float[] b = withBias ? ints(seed + 2, out) : null;
        float[] y = nanFilled(batch * out);
        LINEAR.forward(batch, in, out, x, 0, w, 0, b, y, 0, e);

        float[] viaGemm = nanFilled(batch * out);
        GEMM.sgemm(false, true, batch, out, in, 1f, x, 0, in, w, 0, in, 0f, viaGemm, 0, out, b, 0,
                b == null ? BiasMode.NONE : BiasMode.PER_COLUMN, e);
        assertArrayEquals(viaGemm, y);

        // a linear layer is a 1x1 convolution over a length-1 signal: (batch, in, 1) -> (batch, out, 1)
        ConvGeometry g = ConvGeometry.conv(1, batch, in, new int[] {1}, out, new int[] {1}, new int[] {1},
                org.simdcnn.geometry.Padding.valid(), new int[] {1}, 1);
        float[] viaConv = nanFilled(batch * out);
        CONV.forward(g, x, 0, w, 0, b, viaConv, 0, e);
        assertArrayEquals(viaConv, y);
    }

    @Property(tries = 200)
    void backwardKernelsAreTheAdjointsOfForward(@ForAll("size") int batch, @ForAll("size") int in,
            @ForAll("size") int out, @ForAll long seed) {
        float[] x = ints(seed, batch * in);
        float[] w = ints(seed + 1, out * in);
        float[] b = ints(seed + 2, out);
        float[] dy = ints(seed + 3, batch * out);
        float[] y = nanFilled(batch * out);
        LINEAR.forward(batch, in, out, x, 0, w, 0, null, y, 0, Epilogue.NONE);
        float[] dx = nanFilled(batch * in);
        LINEAR.backwardInput(batch, in, out, dy, 0, w, 0, dx, 0);
        float[] dw = nanFilled(out * in);
        LINEAR.backwardWeight(batch, in, out, x, 0, dy, 0, dw, 0);
        double lhs = dot(y, dy);
        assertEquals(lhs, dot(x, dx), "<xw^T, dy> vs <x, dx>");
        assertEquals(lhs, dot(w, dw), "<xw^T, dy> vs <w, dw>");
        float[] yb = nanFilled(batch * out);
        LINEAR.forward(batch, in, out, x, 0, w, 0, b, yb, 0, Epilogue.NONE);
        float[] db = nanFilled(out);
        LINEAR.backwardBias(batch, out, dy, 0, db);
        assertEquals(dot(minus(yb, y), dy), dot(b, db), "<bias part, dy> vs <b, db>");
    }
}
