package org.simdcnn.kernels;

import java.util.SplittableRandom;
import org.simdcnn.geometry.ConvGeometry;

/**
 * Test oracle: the most literal loops for GEMM and convolution, independent of every backend. With
 * integer-valued inputs every implementation must match these exactly, whatever its summation order.
 */
final class RefKernels {
    private RefKernels() {
    }

    static void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int lda, float[] b,
            int ldb, float beta, float[] c, int ldc, float[] bias, BiasMode bm, Epilogue e) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    float av = ta ? a[p * lda + i] : a[i * lda + p];
                    float bv = tb ? b[j * ldb + p] : b[p * ldb + j];
                    s += av * bv;
                }
                float v = alpha * s;
                if (beta != 0f) {
                    v += beta * c[i * ldc + j];
                }
                if (bm == BiasMode.PER_ROW) {
                    v += bias[i];
                } else if (bm == BiasMode.PER_COLUMN) {
                    v += bias[j];
                }
                c[i * ldc + j] = e.apply(v);
            }
        }
    }

    static void convForward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y, Epilogue e) {
        int coutG = g.outChannelsPerGroup();
        int cinG = g.inChannelsPerGroup();
        for (int n = 0; n < g.batch(); n++) {
            for (int oc = 0; oc < g.outChannels(); oc++) {
                int gr = oc / coutG;
                for (int od = 0; od < g.outD(); od++) {
                    for (int oh = 0; oh < g.outH(); oh++) {
                        for (int ow = 0; ow < g.outW(); ow++) {
                            float s = 0f;
                            for (int ic = 0; ic < cinG; ic++) {
                                for (int kd = 0; kd < g.kD(); kd++) {
                                    for (int kh = 0; kh < g.kH(); kh++) {
                                        for (int kw = 0; kw < g.kW(); kw++) {
                                            int xi = inIndex(g, n, gr * cinG + ic, od, oh, ow, kd, kh, kw);
                                            if (xi >= 0) {
                                                s += x[xi] * w[wIndex(g, oc, ic, kd, kh, kw)];
                                            }
                                        }
                                    }
                                }
                            }
                            if (bias != null) {
                                s += bias[oc];
                            }
                            y[outIndex(g, n, oc, od, oh, ow)] = e.apply(s);
                        }
                    }
                }
            }
        }
    }

    static void convBackwardInput(ConvGeometry g, float[] dy, float[] w, float[] dx) {
        java.util.Arrays.fill(dx, 0, g.inputSize(), 0f);
        forEachTap(g, (n, oc, ic, o, xi, wi) -> dx[xi] += dy[o] * w[wi]);
    }

    static void convBackwardWeight(ConvGeometry g, float[] x, float[] dy, float[] dw) {
        java.util.Arrays.fill(dw, 0, g.weightSize(), 0f);
        forEachTap(g, (n, oc, ic, o, xi, wi) -> dw[wi] += dy[o] * x[xi]);
    }

    static void convBackwardBias(ConvGeometry g, float[] dy, float[] db) {
        int sp = g.outSpatial();
        for (int c = 0; c < g.outChannels(); c++) {
            float s = 0f;
            for (int n = 0; n < g.batch(); n++) {
                for (int i = 0; i < sp; i++) {
                    s += dy[(n * g.outChannels() + c) * sp + i];
                }
            }
            db[c] = s;
        }
    }

    /** Transposed convolution by scattering: every input element times every tap lands on one output. */
    static void transposedForward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
        int cinG = g.inChannelsPerGroup();
        int coutG = g.outChannelsPerGroup();
        int osp = g.outSpatial();
        for (int n = 0; n < g.batch(); n++) {
            for (int c = 0; c < g.outChannels(); c++) {
                for (int i = 0; i < osp; i++) {
                    y[(n * g.outChannels() + c) * osp + i] = bias == null ? 0f : bias[c];
                }
            }
            for (int ic = 0; ic < g.inChannels(); ic++) {
                int gr = ic / cinG;
                for (int id = 0; id < g.inD(); id++) {
                    for (int ih = 0; ih < g.inH(); ih++) {
                        for (int iw = 0; iw < g.inW(); iw++) {
                            float xv = x[(((n * g.inChannels() + ic) * g.inD() + id) * g.inH() + ih) * g.inW()
                                    + iw];
                            for (int ocg = 0; ocg < coutG; ocg++) {
                                for (int kd = 0; kd < g.kD(); kd++) {
                                    int od = id * g.stride(0) - g.padBefore(0) + kd * g.dilation(0);
                                    for (int kh = 0; kh < g.kH(); kh++) {
                                        int oh = ih * g.stride(1) - g.padBefore(1) + kh * g.dilation(1);
                                        for (int kw = 0; kw < g.kW(); kw++) {
                                            int ow = iw * g.stride(2) - g.padBefore(2) + kw * g.dilation(2);
                                            if (od < 0 || od >= g.outD() || oh < 0 || oh >= g.outH() || ow < 0
                                                    || ow >= g.outW()) {
                                                continue;
                                            }
                                            int oc = gr * coutG + ocg;
                                            int wi = (((ic * coutG + ocg) * g.kD() + kd) * g.kH() + kh) * g.kW()
                                                    + kw;
                                            y[(((n * g.outChannels() + oc) * g.outD() + od) * g.outH() + oh)
                                                    * g.outW() + ow] += xv * w[wi];
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    interface TapVisitor {
        void visit(int n, int oc, int ic, int outIdx, int inIdx, int wIdx);
    }

    static void forEachTap(ConvGeometry g, TapVisitor v) {
        int coutG = g.outChannelsPerGroup();
        int cinG = g.inChannelsPerGroup();
        for (int n = 0; n < g.batch(); n++) {
            for (int oc = 0; oc < g.outChannels(); oc++) {
                int gr = oc / coutG;
                for (int od = 0; od < g.outD(); od++) {
                    for (int oh = 0; oh < g.outH(); oh++) {
                        for (int ow = 0; ow < g.outW(); ow++) {
                            int o = outIndex(g, n, oc, od, oh, ow);
                            for (int ic = 0; ic < cinG; ic++) {
                                for (int kd = 0; kd < g.kD(); kd++) {
                                    for (int kh = 0; kh < g.kH(); kh++) {
                                        for (int kw = 0; kw < g.kW(); kw++) {
                                            int xi = inIndex(g, n, gr * cinG + ic, od, oh, ow, kd, kh, kw);
                                            if (xi >= 0) {
                                                v.visit(n, oc, ic, o, xi, wIndex(g, oc, ic, kd, kh, kw));
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static int inIndex(ConvGeometry g, int n, int c, int od, int oh, int ow, int kd, int kh, int kw) {
        int id = od * g.stride(0) - g.padBefore(0) + kd * g.dilation(0);
        int ih = oh * g.stride(1) - g.padBefore(1) + kh * g.dilation(1);
        int iw = ow * g.stride(2) - g.padBefore(2) + kw * g.dilation(2);
        if (id < 0 || id >= g.inD() || ih < 0 || ih >= g.inH() || iw < 0 || iw >= g.inW()) {
            return -1;
        }
        return (((n * g.inChannels() + c) * g.inD() + id) * g.inH() + ih) * g.inW() + iw;
    }

    static int outIndex(ConvGeometry g, int n, int oc, int od, int oh, int ow) {
        return (((n * g.outChannels() + oc) * g.outD() + od) * g.outH() + oh) * g.outW() + ow;
    }

    static int wIndex(ConvGeometry g, int oc, int ic, int kd, int kh, int kw) {
        return (((oc * g.inChannelsPerGroup() + ic) * g.kD() + kd) * g.kH() + kh) * g.kW() + kw;
    }

    /** Integer values in {@code [-range, range]}, as floats. */
    static float[] ints(long seed, int n, int range) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextInt(2 * range + 1) - range;
        }
        return a;
    }

    /** Non-integer values in {@code [-1, 1)}, for determinism tests where rounding order matters. */
    static float[] reals(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }

    static boolean same(float a, float b) {
        return a == b || (a != a && b != b);
    }

    /**
     * Index and values of the first difference (exact equality, NaN equal to NaN), or null when the arrays agree
     * in {@code [0, n)}.
     */
    static String firstDiff(float[] expected, float[] actual, int n) {
        for (int i = 0; i < n; i++) {
            if (!same(expected[i], actual[i])) {
                int count = 0;
                for (int j = i; j < n; j++) {
                    if (!same(expected[j], actual[j])) {
                        count++;
                    }
                }
                return "first difference at index " + i + ": expected " + expected[i] + " but was " + actual[i]
                        + " (" + count + " of " + n + " differ)";
            }
        }
        return null;
    }
}
