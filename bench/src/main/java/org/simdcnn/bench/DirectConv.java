package org.simdcnn.bench;

import org.simdcnn.geometry.ConvGeometry;

/**
 * An independent, deliberately plain direct convolution (double accumulation) used only to check, once at
 * benchmark setup, that the code being timed computes the right thing. It also yields, per output, the sum of
 * the absolute values of the terms, which gives a rigorous rounding bound for any float summation order.
 */
final class DirectConv {
    private DirectConv() {
    }

    /** Exact-ish reference output and the per-output sum of |terms| (including the bias). */
    record Reference(double[] y, double[] absSum, int terms) {
    }

    static Reference forward(ConvGeometry g, float[] x, float[] w, float[] b) {
        int n = g.batch();
        int cin = g.inChannels();
        int cout = g.outChannels();
        int cinG = g.inChannelsPerGroup();
        int coutG = g.outChannelsPerGroup();
        int outSp = g.outSpatial();
        double[] y = new double[g.outputSize()];
        double[] abs = new double[g.outputSize()];
        for (int ni = 0; ni < n; ni++) {
            for (int co = 0; co < cout; co++) {
                int grp = co / coutG;
                for (int od = 0; od < g.outD(); od++) {
                    for (int oh = 0; oh < g.outH(); oh++) {
                        for (int ow = 0; ow < g.outW(); ow++) {
                            double s = b == null ? 0 : b[co];
                            double a = Math.abs(s);
                            for (int ci = 0; ci < cinG; ci++) {
                                int c = grp * cinG + ci;
                                for (int kd = 0; kd < g.kD(); kd++) {
                                    int id = od * g.stride(0) - g.padBefore(0) + kd * g.dilation(0);
                                    if (id < 0 || id >= g.inD()) {
                                        continue;
                                    }
                                    for (int kh = 0; kh < g.kH(); kh++) {
                                        int ih = oh * g.stride(1) - g.padBefore(1) + kh * g.dilation(1);
                                        if (ih < 0 || ih >= g.inH()) {
                                            continue;
                                        }
                                        for (int kw = 0; kw < g.kW(); kw++) {
                                            int iw = ow * g.stride(2) - g.padBefore(2) + kw * g.dilation(2);
                                            if (iw < 0 || iw >= g.inW()) {
                                                continue;
                                            }
                                            double xv = x[(((ni * cin + c) * g.inD() + id) * g.inH() + ih)
                                                    * g.inW() + iw];
                                            double wv = w[(((co * cinG + ci) * g.kD() + kd) * g.kH() + kh)
                                                    * g.kW() + kw];
                                            s += xv * wv;
                                            a += Math.abs(xv * wv);
                                        }
                                    }
                                }
                            }
                            int o = ((ni * cout + co) * g.outD() + od) * g.outH() * g.outW() + oh * g.outW() + ow;
                            y[o] = s;
                            abs[o] = a;
                        }
                    }
                }
            }
        }
        if (outSp * n * cout != y.length) {
            throw new IllegalStateException("output size mismatch");
        }
        return new Reference(y, abs, cinG * g.kernelVolume() + 1);
    }

    /**
     * Checks {@code actual} against the reference with the worst-case rounding bound of a float dot product of
     * {@code terms} terms in any order ({@code 2 * terms * 2^-24 * sum|terms|}, plus a tiny absolute slack);
     * a wrong layout or a missing term fails by orders of magnitude.
     *
     * @throws IllegalStateException naming {@code what}, the first bad index and the values
     */
    static void check(String what, Reference ref, float[] actual, int off) {
        double u = Math.ulp(1.0f) / 2;
        double worst = 0;
        for (int i = 0; i < ref.y().length; i++) {
            double d = Math.abs(actual[off + i] - ref.y()[i]);
            double bound = 2.0 * ref.terms() * u * ref.absSum()[i] + 1e-30;
            if (!(d <= bound)) {
                throw new IllegalStateException(what + ": output " + i + " is " + actual[off + i] + ", reference "
                        + ref.y()[i] + " (|diff| " + d + " > bound " + bound + ")");
            }
            worst = Math.max(worst, d / bound);
        }
        System.out.printf("[verify] %s matches the direct reference (%d outputs, worst |diff|/bound = %.3g)%n",
                what, ref.y().length, worst);
    }
}
