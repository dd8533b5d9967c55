package org.simdcnn.kernels.scalar;

import org.simdcnn.geometry.PoolGeometry;
import org.simdcnn.kernels.Pooling;

/**
 * Reference pooling: plain loops over the normalised 3-d geometry (1d and 2d have leading dimensions of size 1),
 * PyTorch 1.13's semantics, single-threaded.
 *
 * <ul>
 *   <li>Max: each window starts its argmax at its first in-bounds position with value minus infinity and takes a
 *       position when {@code v > max || isNaN(v)} (PyTorch's CPU rule: the first maximum wins ties, a NaN wins
 *       over numbers and a later NaN over an earlier one). A window of only {@code -inf} reports its first
 *       in-bounds position. A window that covers no input element at all (possible with dilation and padding,
 *       e.g. input 1, kernel 2, dilation 2, padding 1) gives {@code -inf} like PyTorch but index {@code -1}
 *       (PyTorch reports an index outside the plane); backward skips such indices.</li>
 *   <li>Average: sums in double, PyTorch's divisor per dimension ({@code start = o*s - pad; end = min(start + k,
 *       in + pad); poolSize = end - start}; then clip to {@code [0, in)}); a window with no input element gives 0.
 *       Dilation is not part of average pooling (callers pass 1).</li>
 *   <li>Adaptive average: bins {@code [floor(o*in/out), ceil((o+1)*in/out))}.</li>
 *   <li>Backward passes accumulate in a per-thread double plane and round once; they overwrite {@code dx}.</li>
 * </ul>
 */
final class ScalarPooling implements Pooling {
    private static final ThreadLocal<double[]> PLANE = ThreadLocal.withInitial(() -> new double[64]);

    private static double[] plane(int n) {
        double[] p = PLANE.get();
        if (p.length < n) {
            p = new double[Math.max(n, p.length * 2)];
            PLANE.set(p);
        }
        java.util.Arrays.fill(p, 0, n, 0.0);
        return p;
    }

    @Override
    public void maxForward(PoolGeometry g, float[] x, int xOff, float[] y, int yOff, int[] argmax, int amOff) {
        int inD = g.in(0);
        int inH = g.in(1);
        int inW = g.in(2);
        int outD = g.out(0);
        int outH = g.out(1);
        int outW = g.out(2);
        int inPlane = g.inSpatial();
        int outPlane = g.outSpatial();
        int planes = g.batch() * g.channels();
        for (int p = 0; p < planes; p++) {
            int xBase = xOff + p * inPlane;
            int oIdx = p * outPlane;
            for (int od = 0; od < outD; od++) {
                int d0 = od * g.stride(0) - g.pad(0);
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = oh * g.stride(1) - g.pad(1);
                    for (int ow = 0; ow < outW; ow++, oIdx++) {
                        int w0 = ow * g.stride(2) - g.pad(2);
                        // PyTorch starts at the window's first real position with -inf; -1 until one is seen
                        int best = -1;
                        float max = Float.NEGATIVE_INFINITY;
                        for (int kd = 0; kd < g.kernel(0); kd++) {
                            int id = d0 + kd * g.dilation(0);
                            if (id < 0 || id >= inD) {
                                continue;
                            }
                            for (int kh = 0; kh < g.kernel(1); kh++) {
                                int ih = h0 + kh * g.dilation(1);
                                if (ih < 0 || ih >= inH) {
                                    continue;
                                }
                                for (int kw = 0; kw < g.kernel(2); kw++) {
                                    int iw = w0 + kw * g.dilation(2);
                                    if (iw < 0 || iw >= inW) {
                                        continue;
                                    }
                                    int idx = (id * inH + ih) * inW + iw;
                                    float v = x[xBase + idx];
                                    if (best < 0 || v > max || v != v) {
                                        max = v;
                                        best = idx;
                                    }
                                }
                            }
                        }
                        y[yOff + oIdx] = max;
                        if (argmax != null) {
                            argmax[amOff + oIdx] = best;
                        }
                    }
                }
            }
        }
    }

    @Override
    public void maxBackward(PoolGeometry g, float[] dy, int dyOff, int[] argmax, int amOff, float[] dx, int dxOff) {
        int inPlane = g.inSpatial();
        int outPlane = g.outSpatial();
        int planes = g.batch() * g.channels();
        for (int p = 0; p < planes; p++) {
            double[] acc = plane(inPlane);
            for (int o = 0; o < outPlane; o++) {
                int idx = argmax[amOff + p * outPlane + o];
                if (idx >= 0 && idx < inPlane) {
                    acc[idx] += dy[dyOff + p * outPlane + o];
                }
            }
            int base = dxOff + p * inPlane;
            for (int i = 0; i < inPlane; i++) {
                dx[base + i] = (float) acc[i];
            }
        }
    }

    /** PyTorch's avg-pool window start (before clipping) of output index {@code o} in dimension {@code dim}. */
    private static int rawStart(PoolGeometry g, int dim, int o) {
        return o * g.stride(dim) - g.pad(dim);
    }

    /** The window end clipped to the padded input: {@code min(start + k, in + pad)}. */
    private static int rawEnd(PoolGeometry g, int dim, int o) {
        return Math.min(rawStart(g, dim, o) + g.kernel(dim), g.in(dim) + g.pad(dim));
    }

    /** The countIncludePad factor of this dimension: {@code rawEnd - rawStart}. */
    private static int poolSize(PoolGeometry g, int dim, int o) {
        return rawEnd(g, dim, o) - rawStart(g, dim, o);
    }

    /** First real input index of the window. */
    private static int lo(PoolGeometry g, int dim, int o) {
        return Math.max(rawStart(g, dim, o), 0);
    }

    /** One past the last real input index of the window. */
    private static int hi(PoolGeometry g, int dim, int o) {
        return Math.min(rawEnd(g, dim, o), g.in(dim));
    }

    @Override
    public void avgForward(PoolGeometry g, boolean countIncludePad, float[] x, int xOff, float[] y, int yOff) {
        int inH = g.in(1);
        int inW = g.in(2);
        int inPlane = g.inSpatial();
        int outPlane = g.outSpatial();
        int planes = g.batch() * g.channels();
        for (int p = 0; p < planes; p++) {
            int xBase = xOff + p * inPlane;
            int oIdx = p * outPlane;
            for (int od = 0; od < g.out(0); od++) {
                int d0 = lo(g, 0, od);
                int d1 = hi(g, 0, od);
                int dSize = poolSize(g, 0, od);
                for (int oh = 0; oh < g.out(1); oh++) {
                    int h0 = lo(g, 1, oh);
                    int h1 = hi(g, 1, oh);
                    int hSize = poolSize(g, 1, oh);
                    for (int ow = 0; ow < g.out(2); ow++, oIdx++) {
                        int w0 = lo(g, 2, ow);
                        int w1 = hi(g, 2, ow);
                        int wSize = poolSize(g, 2, ow);
                        if (d0 >= d1 || h0 >= h1 || w0 >= w1) {
                            y[yOff + oIdx] = 0f;
                            continue;
                        }
                        double sum = 0;
                        for (int id = d0; id < d1; id++) {
                            for (int ih = h0; ih < h1; ih++) {
                                int row = xBase + (id * inH + ih) * inW;
                                for (int iw = w0; iw < w1; iw++) {
                                    sum += x[row + iw];
                                }
                            }
                        }
                        long divisor = countIncludePad ? (long) dSize * hSize * wSize
                                : (long) (d1 - d0) * (h1 - h0) * (w1 - w0);
                        y[yOff + oIdx] = (float) (sum / divisor);
                    }
                }
            }
        }
    }

    @Override
    public void avgBackward(PoolGeometry g, boolean countIncludePad, float[] dy, int dyOff, float[] dx, int dxOff) {
        int inH = g.in(1);
        int inW = g.in(2);
        int inPlane = g.inSpatial();
        int outPlane = g.outSpatial();
        int planes = g.batch() * g.channels();
        for (int p = 0; p < planes; p++) {
            double[] acc = plane(inPlane);
            int oIdx = dyOff + p * outPlane;
            for (int od = 0; od < g.out(0); od++) {
                int d0 = lo(g, 0, od);
                int d1 = hi(g, 0, od);
                int dSize = poolSize(g, 0, od);
                for (int oh = 0; oh < g.out(1); oh++) {
                    int h0 = lo(g, 1, oh);
                    int h1 = hi(g, 1, oh);
                    int hSize = poolSize(g, 1, oh);
                    for (int ow = 0; ow < g.out(2); ow++, oIdx++) {
                        int w0 = lo(g, 2, ow);
                        int w1 = hi(g, 2, ow);
                        int wSize = poolSize(g, 2, ow);
                        if (d0 >= d1 || h0 >= h1 || w0 >= w1) {
                            continue;
                        }
                        long divisor = countIncludePad ? (long) dSize * hSize * wSize
                                : (long) (d1 - d0) * (h1 - h0) * (w1 - w0);
                        double share = dy[oIdx] / (double) divisor;
                        for (int id = d0; id < d1; id++) {
                            for (int ih = h0; ih < h1; ih++) {
                                int row = (id * inH + ih) * inW;
                                for (int iw = w0; iw < w1; iw++) {
                                    acc[row + iw] += share;
                                }
                            }
                        }
                    }
                }
            }
            int base = dxOff + p * inPlane;
            for (int i = 0; i < inPlane; i++) {
                dx[base + i] = (float) acc[i];
            }
        }
    }

    /** Normalises a user-rank size array (1 to 3 values) to depth, height, width. */
    private static int[] norm3(int[] s) {
        int[] r = {1, 1, 1};
        System.arraycopy(s, 0, r, 3 - s.length, s.length);
        return r;
    }

    private static int binStart(int o, int in, int out) {
        return (int) ((long) o * in / out);
    }

    private static int binEnd(int o, int in, int out) {
        return (int) (((long) (o + 1) * in + out - 1) / out);
    }

    @Override
    public void adaptiveAvgForward(int batch, int channels, int[] inSize, int[] outSize, float[] x, int xOff,
            float[] y, int yOff) {
        int[] in = norm3(inSize);
        int[] out = norm3(outSize);
        int inPlane = in[0] * in[1] * in[2];
        int outPlane = out[0] * out[1] * out[2];
        for (int p = 0; p < batch * channels; p++) {
            int xBase = xOff + p * inPlane;
            int oIdx = yOff + p * outPlane;
            for (int od = 0; od < out[0]; od++) {
                int d0 = binStart(od, in[0], out[0]);
                int d1 = binEnd(od, in[0], out[0]);
                for (int oh = 0; oh < out[1]; oh++) {
                    int h0 = binStart(oh, in[1], out[1]);
                    int h1 = binEnd(oh, in[1], out[1]);
                    for (int ow = 0; ow < out[2]; ow++, oIdx++) {
                        int w0 = binStart(ow, in[2], out[2]);
                        int w1 = binEnd(ow, in[2], out[2]);
                        double sum = 0;
                        for (int id = d0; id < d1; id++) {
                            for (int ih = h0; ih < h1; ih++) {
                                int row = xBase + (id * in[1] + ih) * in[2];
                                for (int iw = w0; iw < w1; iw++) {
                                    sum += x[row + iw];
                                }
                            }
                        }
                        y[oIdx] = (float) (sum / ((long) (d1 - d0) * (h1 - h0) * (w1 - w0)));
                    }
                }
            }
        }
    }

    @Override
    public void adaptiveAvgBackward(int batch, int channels, int[] inSize, int[] outSize, float[] dy, int dyOff,
            float[] dx, int dxOff) {
        int[] in = norm3(inSize);
        int[] out = norm3(outSize);
        int inPlane = in[0] * in[1] * in[2];
        int outPlane = out[0] * out[1] * out[2];
        for (int p = 0; p < batch * channels; p++) {
            double[] acc = plane(inPlane);
            int oIdx = dyOff + p * outPlane;
            for (int od = 0; od < out[0]; od++) {
                int d0 = binStart(od, in[0], out[0]);
                int d1 = binEnd(od, in[0], out[0]);
                for (int oh = 0; oh < out[1]; oh++) {
                    int h0 = binStart(oh, in[1], out[1]);
                    int h1 = binEnd(oh, in[1], out[1]);
                    for (int ow = 0; ow < out[2]; ow++, oIdx++) {
                        int w0 = binStart(ow, in[2], out[2]);
                        int w1 = binEnd(ow, in[2], out[2]);
                        double share = dy[oIdx] / (double) ((long) (d1 - d0) * (h1 - h0) * (w1 - w0));
                        for (int id = d0; id < d1; id++) {
                            for (int ih = h0; ih < h1; ih++) {
                                int row = (id * in[1] + ih) * in[2];
                                for (int iw = w0; iw < w1; iw++) {
                                    acc[row + iw] += share;
                                }
                            }
                        }
                    }
                }
            }
            int base = dxOff + p * inPlane;
            for (int i = 0; i < inPlane; i++) {
                dx[base + i] = (float) acc[i];
            }
        }
    }
}
