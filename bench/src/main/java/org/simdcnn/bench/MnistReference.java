package org.simdcnn.bench;

import org.simdcnn.bench.onnx.OnnxModels.MnistParams;
import org.simdcnn.geometry.ConvGeometry;

/**
 * A plain reference forward of the MNIST CNN (the graph of {@code OnnxModels.mnistCnn}) used to check once that
 * ONNX Runtime computes the same network: direct convolutions in double, ReLU, 2x2 max pooling, linear layers.
 */
final class MnistReference {
    private MnistReference() {
    }

    /** Logits {@code (batch, 10)}. */
    static double[] forward(int batch, MnistParams p, float[] x) {
        ConvGeometry g1 = ConvGeometry.conv2d(batch, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1);
        float[] a1 = pool(relu(DirectConv.forward(g1, x, p.w1(), p.b1()).y()), batch * 32, 28);
        ConvGeometry g2 = ConvGeometry.conv2d(batch, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1);
        float[] a2 = pool(relu(DirectConv.forward(g2, a1, p.w2(), p.b2()).y()), batch * 64, 14);
        double[] h = linear(batch, 3136, 128, a2, p.w3(), p.b3());
        float[] hf = new float[h.length];
        for (int i = 0; i < h.length; i++) {
            hf[i] = (float) Math.max(0, h[i]);
        }
        return linear(batch, 128, 10, hf, p.w4(), p.b4());
    }

    private static double[] relu(double[] v) {
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.max(0, v[i]);
        }
        return v;
    }

    /** 2x2 stride-2 max pooling of {@code planes} square planes of side {@code side}. */
    private static float[] pool(double[] v, int planes, int side) {
        int o = side / 2;
        float[] out = new float[planes * o * o];
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < o; i++) {
                for (int j = 0; j < o; j++) {
                    int base = p * side * side + 2 * i * side + 2 * j;
                    double m = Math.max(Math.max(v[base], v[base + 1]), Math.max(v[base + side], v[base + side + 1]));
                    out[(p * o + i) * o + j] = (float) m;
                }
            }
        }
        return out;
    }

    /** {@code y = x W^T + b} with {@code W (out, in)}. */
    private static double[] linear(int batch, int in, int out, float[] x, float[] w, float[] b) {
        double[] y = new double[batch * out];
        for (int n = 0; n < batch; n++) {
            for (int o = 0; o < out; o++) {
                double s = b[o];
                for (int i = 0; i < in; i++) {
                    s += (double) x[n * in + i] * w[o * in + i];
                }
                y[n * out + o] = s;
            }
        }
        return y;
    }

    /**
     * Checks logits against the reference: every |diff| within 1e-4 of the largest logit magnitude (float
     * rounding through four layers is far below that; a wrong layout or layer is far above).
     */
    static void check(String what, double[] ref, float[] actual) {
        double max = 0;
        for (double v : ref) {
            max = Math.max(max, Math.abs(v));
        }
        double worst = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = Math.abs(actual[i] - ref[i]);
            if (!(d <= 1e-4 * max + 1e-6)) {
                throw new IllegalStateException(what + ": logit " + i + " is " + actual[i] + ", reference " + ref[i]);
            }
            worst = Math.max(worst, d);
        }
        System.out.printf("[verify] %s matches the reference network (%d logits, worst |diff| %.3g, max |logit| "
                + "%.3g)%n", what, ref.length, worst, max);
    }
}
