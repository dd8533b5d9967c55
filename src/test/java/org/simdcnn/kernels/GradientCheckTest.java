package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.Padding;
import org.simdcnn.kernels.scalar.ScalarBackend;
import org.simdcnn.tensor.Tensor;

/**
 * Central finite differences, computed in double, against the analytic gradients of the reference convolution
 * and linear kernels, with Gaussian (non-integer) data. The loss is {@code L = sum(dy * y)} accumulated in
 * double, so {@code dL/dp} is the backward kernel's output for parameter {@code p}. Each parameter is perturbed by
 * {@code +-h}; since the maps are linear the only error is the float rounding of {@code y}.
 */
class GradientCheckTest {
    private static final Conv CONV = ScalarBackend.INSTANCE.conv();
    private static final Linear LINEAR = ScalarBackend.INSTANCE.linear();
    private static final double H = 1e-2;

    @Test
    void conv2dGroupedStridedDilatedAsymmetric() {
        check(ConvGeometry.conv(2, 2, 4, new int[] {5, 7}, 6, new int[] {3, 2}, new int[] {2, 1},
                Padding.asymmetric(new int[] {1, 0}, new int[] {0, 2}), new int[] {1, 2}, 2), 11);
    }

    @Test
    void conv1dAndConv3d() {
        check(ConvGeometry.conv(1, 1, 3, new int[] {11}, 2, new int[] {4}, new int[] {3}, Padding.of(2),
                new int[] {2}, 1), 12);
        check(ConvGeometry.conv(3, 1, 2, new int[] {3, 4, 5}, 2, new int[] {2, 1, 3}, new int[] {1, 2, 1},
                Padding.asymmetric(new int[] {0, 1, 1}, new int[] {1, 0, 0}), new int[] {1, 1, 2}, 2), 13);
    }

    private static void check(ConvGeometry g, long seed) {
        float[] x = Tensor.randn(seed, g.inputSize()).data();
        float[] w = Tensor.randn(seed + 1, g.weightSize()).data();
        float[] b = Tensor.randn(seed + 2, g.outChannels()).data();
        float[] dy = Tensor.randn(seed + 3, g.outputSize()).data();
        float[] y = new float[g.outputSize()];
        DoubleSupplier loss = () -> {
            CONV.forward(g, x, 0, w, 0, b, y, 0);
            return ConvCases.dot(y, dy);
        };
        float[] dx = new float[x.length];
        float[] dw = new float[w.length];
        float[] db = new float[b.length];
        CONV.backwardInput(g, dy, 0, w, 0, dx, 0);
        CONV.backwardWeight(g, x, 0, dy, 0, dw, 0);
        CONV.backwardBias(g, dy, 0, db);
        compare(g + " dx", x, dx, loss);
        compare(g + " dw", w, dw, loss);
        compare(g + " db", b, db, loss);
    }

    @Test
    void linear() {
        int batch = 3;
        int in = 7;
        int out = 5;
        float[] x = Tensor.randn(21, batch * in).data();
        float[] w = Tensor.randn(22, out * in).data();
        float[] b = Tensor.randn(23, out).data();
        float[] dy = Tensor.randn(24, batch * out).data();
        float[] y = new float[batch * out];
        DoubleSupplier loss = () -> {
            LINEAR.forward(batch, in, out, x, 0, w, 0, b, y, 0, Epilogue.NONE);
            return ConvCases.dot(y, dy);
        };
        float[] dx = new float[x.length];
        float[] dw = new float[w.length];
        float[] db = new float[b.length];
        LINEAR.backwardInput(batch, in, out, dy, 0, w, 0, dx, 0);
        LINEAR.backwardWeight(batch, in, out, x, 0, dy, 0, dw, 0);
        LINEAR.backwardBias(batch, out, dy, 0, db);
        compare("linear dx", x, dx, loss);
        compare("linear dw", w, dw, loss);
        compare("linear db", b, db, loss);
    }

    /** Perturbs each entry of {@code p} by +-H (restoring it afterwards) and compares with {@code grad}. */
    private static void compare(String what, float[] p, float[] grad, DoubleSupplier loss) {
        double worst = 0;
        for (int i = 0; i < p.length; i++) {
            float saved = p[i];
            p[i] = (float) (saved + H);
            double up = loss.getAsDouble();
            double hUp = (double) p[i] - saved; // the step actually taken in float
            p[i] = (float) (saved - H);
            double down = loss.getAsDouble();
            double hDown = saved - (double) p[i];
            p[i] = saved;
            double fd = (up - down) / (hUp + hDown);
            double err = Math.abs(fd - grad[i]) / (1 + Math.abs(grad[i]));
            worst = Math.max(worst, err);
        }
        assertTrue(worst < 2e-3, what + ": worst relative error " + worst);
    }
}
