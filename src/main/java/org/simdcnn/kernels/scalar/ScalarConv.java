package org.simdcnn.kernels.scalar;

import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.kernels.Conv;
import org.simdcnn.kernels.Epilogue;

/**
 * The reference convolution: direct loops over the normalised three-dimensional {@link ConvGeometry} (one loop
 * nest serves 1d, 2d and 3d), with groups, stride, dilation and asymmetric padding, in PyTorch's semantics.
 *
 * <p><b>Numerics.</b> Every output element is computed on its own ("gather" form, never scattered into the
 * output): the float products are formed in {@code double} (exact) and summed in {@code double} in a fixed order,
 * then rounded to float once. The order is the loop order written in each method: channels of the group
 * outermost, then kernel depth, height and width (for the weight gradient: batch, then output depth, height,
 * width; for the bias gradient: batch, then space; for col2im: kernel depth, height, width). Forward adds the bias
 * in double after the sum, rounds, then applies the epilogue to the float. With small-integer data every result
 * is therefore exact, whatever the order, which is what the tests and parity checks rely on.
 *
 * <p>Every method overwrites its output; nothing is allocated; arguments are trusted.
 *
 * <p>Coordinates: output position {@code o} of a window reads input position
 * {@code i = o*stride - padBefore + k*dilation} for kernel tap {@code k}; positions outside {@code [0, in)} are
 * zero padding. The transposed operations invert that relation: input {@code i} and tap {@code k} meet output
 * {@code o = (i + padBefore - k*dilation) / stride} when the division is exact and {@code 0 <= o < out}.
 */
final class ScalarConv implements Conv {

    @Override
    public void forward(ConvGeometry g, float[] x, int xOff, float[] w, int wOff, float[] bias, float[] y, int yOff,
            Epilogue epilogue) {
        int cinG = g.inChannelsPerGroup();
        int coutG = g.outChannelsPerGroup();
        int inH = g.in(1), inW = g.in(2);
        int outD = g.out(0), outH = g.out(1), outW = g.out(2);
        int kD = g.kernel(0), kH = g.kernel(1), kW = g.kernel(2);
        int inSp = g.inSpatial();
        int kVol = g.kernelVolume();
        int yi = yOff; // the output is written in order
        for (int n = 0; n < g.batch(); n++) {
            for (int oc = 0; oc < g.outChannels(); oc++) {
                int grp = oc / coutG;
                int xGroup = xOff + (n * g.inChannels() + grp * cinG) * inSp; // first input channel of the group
                int wOc = wOff + oc * cinG * kVol;                            // weights of this output channel
                for (int od = 0; od < outD; od++) {
                    for (int oh = 0; oh < outH; oh++) {
                        for (int ow = 0; ow < outW; ow++) {
                            double acc = 0.0;
                            for (int icl = 0; icl < cinG; icl++) {
                                int xc = xGroup + icl * inSp;
                                int wc = wOc + icl * kVol;
                                for (int kd = 0; kd < kD; kd++) {
                                    int id = inPos(g, 0, od, kd);
                                    if (id < 0 || id >= g.in(0)) {
                                        continue;
                                    }
                                    for (int kh = 0; kh < kH; kh++) {
                                        int ih = inPos(g, 1, oh, kh);
                                        if (ih < 0 || ih >= inH) {
                                            continue;
                                        }
                                        int xRow = xc + (id * inH + ih) * inW;
                                        int wRow = wc + (kd * kH + kh) * kW;
                                        for (int kw = 0; kw < kW; kw++) {
                                            int iw = inPos(g, 2, ow, kw);
                                            if (iw < 0 || iw >= inW) {
                                                continue;
                                            }
                                            acc += (double) x[xRow + iw] * w[wRow + kw];
                                        }
                                    }
                                }
                            }
                            if (bias != null) {
                                acc += bias[oc];
                            }
                            y[yi++] = epilogue.apply((float) acc);
                        }
                    }
                }
            }
        }
    }

    @Override
    public void backwardInput(ConvGeometry g, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff) {
        int cinG = g.inChannelsPerGroup();
        int coutG = g.outChannelsPerGroup();
        int inD = g.in(0), inH = g.in(1), inW = g.in(2);
        int outD = g.out(0), outH = g.out(1), outW = g.out(2);
        int kD = g.kernel(0), kH = g.kernel(1), kW = g.kernel(2);
        int outSp = g.outSpatial();
        int kVol = g.kernelVolume();
        int xi = dxOff; // dx is written in order
        for (int n = 0; n < g.batch(); n++) {
            for (int ic = 0; ic < g.inChannels(); ic++) {
                int grp = ic / cinG;
                int icl = ic % cinG;
                int dyGroup = dyOff + (n * g.outChannels() + grp * coutG) * outSp; // first dy channel of the group
                for (int id = 0; id < inD; id++) {
                    for (int ih = 0; ih < inH; ih++) {
                        for (int iw = 0; iw < inW; iw++) {
                            double acc = 0.0;
                            for (int ocl = 0; ocl < coutG; ocl++) {
                                int dyc = dyGroup + ocl * outSp;
                                int wc = wOff + ((grp * coutG + ocl) * cinG + icl) * kVol;
                                for (int kd = 0; kd < kD; kd++) {
                                    int od = outPos(g, 0, id, kd, outD);
                                    if (od < 0) {
                                        continue;
                                    }
                                    for (int kh = 0; kh < kH; kh++) {
                                        int oh = outPos(g, 1, ih, kh, outH);
                                        if (oh < 0) {
                                            continue;
                                        }
                                        int dyRow = dyc + (od * outH + oh) * outW;
                                        int wRow = wc + (kd * kH + kh) * kW;
                                        for (int kw = 0; kw < kW; kw++) {
                                            int ow = outPos(g, 2, iw, kw, outW);
                                            if (ow < 0) {
                                                continue;
                                            }
                                            acc += (double) dy[dyRow + ow] * w[wRow + kw];
                                        }
                                    }
                                }
                            }
                            dx[xi++] = (float) acc;
                        }
                    }
                }
            }
        }
    }

    @Override
    public void backwardWeight(ConvGeometry g, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        int cinG = g.inChannelsPerGroup();
        int coutG = g.outChannelsPerGroup();
        int inD = g.in(0), inH = g.in(1), inW = g.in(2);
        int outD = g.out(0), outH = g.out(1), outW = g.out(2);
        int kD = g.kernel(0), kH = g.kernel(1), kW = g.kernel(2);
        int inSp = g.inSpatial();
        int outSp = g.outSpatial();
        int wi = dwOff; // dw is written in order
        for (int oc = 0; oc < g.outChannels(); oc++) {
            int grp = oc / coutG;
            for (int icl = 0; icl < cinG; icl++) {
                int ic = grp * cinG + icl;
                for (int kd = 0; kd < kD; kd++) {
                    for (int kh = 0; kh < kH; kh++) {
                        for (int kw = 0; kw < kW; kw++) {
                            double acc = 0.0;
                            for (int n = 0; n < g.batch(); n++) {
                                int xc = xOff + (n * g.inChannels() + ic) * inSp;
                                int dyc = dyOff + (n * g.outChannels() + oc) * outSp;
                                for (int od = 0; od < outD; od++) {
                                    int id = inPos(g, 0, od, kd);
                                    if (id < 0 || id >= inD) {
                                        continue;
                                    }
                                    for (int oh = 0; oh < outH; oh++) {
                                        int ih = inPos(g, 1, oh, kh);
                                        if (ih < 0 || ih >= inH) {
                                            continue;
                                        }
                                        int xRow = xc + (id * inH + ih) * inW;
                                        int dyRow = dyc + (od * outH + oh) * outW;
                                        for (int ow = 0; ow < outW; ow++) {
                                            int iw = inPos(g, 2, ow, kw);
                                            if (iw < 0 || iw >= inW) {
                                                continue;
                                            }
                                            acc += (double) x[xRow + iw] * dy[dyRow + ow];
                                        }
                                    }
                                }
                            }
                            dw[wi++] = (float) acc;
                        }
                    }
                }
            }
        }
    }

    @Override
    public void backwardBias(ConvGeometry g, float[] dy, int dyOff, float[] db) {
        int sp = g.outSpatial();
        for (int oc = 0; oc < g.outChannels(); oc++) {
            double acc = 0.0;
            for (int n = 0; n < g.batch(); n++) {
                int base = dyOff + (n * g.outChannels() + oc) * sp;
                for (int p = 0; p < sp; p++) {
                    acc += dy[base + p];
                }
            }
            db[oc] = (float) acc;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Computed directly in gather form over the transposed geometry (input {@code g.in}, output {@code g.out}):
     * output {@code o} receives input {@code i} through tap {@code k} when {@code o = i*stride - padBefore +
     * k*dilation}. Sum order: input channels of the group, then kernel depth, height, width; bias added last in
     * double, rounded once. Output padding only enlarges the output at the end; a position no input reaches gets
     * just the bias (or 0).
     */
    @Override
    public void transposedForward(ConvGeometry g, float[] x, int xOff, float[] w, int wOff, float[] bias, float[] y,
            int yOff) {
        int cinG = g.inChannelsPerGroup();
        int coutG = g.outChannelsPerGroup();
        int inD = g.in(0), inH = g.in(1), inW = g.in(2);
        int outD = g.out(0), outH = g.out(1), outW = g.out(2);
        int kD = g.kernel(0), kH = g.kernel(1), kW = g.kernel(2);
        int inSp = g.inSpatial();
        int kVol = g.kernelVolume();
        int yi = yOff; // the output is written in order
        for (int n = 0; n < g.batch(); n++) {
            for (int oc = 0; oc < g.outChannels(); oc++) {
                int grp = oc / coutG;
                int ocl = oc % coutG;
                int xGroup = xOff + (n * g.inChannels() + grp * cinG) * inSp; // first input channel of the group
                for (int od = 0; od < outD; od++) {
                    for (int oh = 0; oh < outH; oh++) {
                        for (int ow = 0; ow < outW; ow++) {
                            double acc = 0.0;
                            for (int icl = 0; icl < cinG; icl++) {
                                int xc = xGroup + icl * inSp;
                                int wc = wOff + ((grp * cinG + icl) * coutG + ocl) * kVol; // w[ic][ocl]
                                for (int kd = 0; kd < kD; kd++) {
                                    // the transposed input position is the "output" side of the inverse relation
                                    int id = outPos(g, 0, od, kd, inD);
                                    if (id < 0) {
                                        continue;
                                    }
                                    for (int kh = 0; kh < kH; kh++) {
                                        int ih = outPos(g, 1, oh, kh, inH);
                                        if (ih < 0) {
                                            continue;
                                        }
                                        int xRow = xc + (id * inH + ih) * inW;
                                        int wRow = wc + (kd * kH + kh) * kW;
                                        for (int kw = 0; kw < kW; kw++) {
                                            int iw = outPos(g, 2, ow, kw, inW);
                                            if (iw < 0) {
                                                continue;
                                            }
                                            acc += (double) x[xRow + iw] * w[wRow + kw];
                                        }
                                    }
                                }
                            }
                            if (bias != null) {
                                acc += bias[oc];
                            }
                            y[yi++] = (float) acc;
                        }
                    }
                }
            }
        }
    }

    @Override
    public void im2col(ConvGeometry g, float[] x, int xOff, float[] col, int colOff) {
        int c = g.inChannels();
        int inD = g.in(0), inH = g.in(1), inW = g.in(2);
        int outD = g.out(0), outH = g.out(1), outW = g.out(2);
        int kD = g.kernel(0), kH = g.kernel(1), kW = g.kernel(2);
        int kVol = g.kernelVolume();
        int outSp = g.outSpatial();
        for (int n = 0; n < g.batch(); n++) {
            for (int ch = 0; ch < c; ch++) {
                for (int kd = 0; kd < kD; kd++) {
                    for (int kh = 0; kh < kH; kh++) {
                        for (int kw = 0; kw < kW; kw++) {
                            int row = (n * c + ch) * kVol + (kd * kH + kh) * kW + kw;
                            int p = colOff + row * outSp;
                            for (int od = 0; od < outD; od++) {
                                int id = inPos(g, 0, od, kd);
                                for (int oh = 0; oh < outH; oh++) {
                                    int ih = inPos(g, 1, oh, kh);
                                    for (int ow = 0; ow < outW; ow++) {
                                        int iw = inPos(g, 2, ow, kw);
                                        boolean inside = id >= 0 && id < inD && ih >= 0 && ih < inH && iw >= 0
                                                && iw < inW;
                                        col[p++] = inside ? x[xOff + idx(n, ch, c, id, ih, iw, inD, inH, inW)] : 0f;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Gather form: each input element sums, in double, the column entries that {@link #im2col} copied from it,
     * in kernel order (depth, height, width), then rounds once.
     */
    @Override
    public void col2im(ConvGeometry g, float[] col, int colOff, float[] x, int xOff) {
        int c = g.inChannels();
        int inD = g.in(0), inH = g.in(1), inW = g.in(2);
        int outD = g.out(0), outH = g.out(1), outW = g.out(2);
        int kD = g.kernel(0), kH = g.kernel(1), kW = g.kernel(2);
        int kVol = g.kernelVolume();
        int outSp = g.outSpatial();
        for (int n = 0; n < g.batch(); n++) {
            for (int ch = 0; ch < c; ch++) {
                for (int id = 0; id < inD; id++) {
                    for (int ih = 0; ih < inH; ih++) {
                        for (int iw = 0; iw < inW; iw++) {
                            double acc = 0.0;
                            for (int kd = 0; kd < kD; kd++) {
                                int od = outPos(g, 0, id, kd, outD);
                                if (od < 0) {
                                    continue;
                                }
                                for (int kh = 0; kh < kH; kh++) {
                                    int oh = outPos(g, 1, ih, kh, outH);
                                    if (oh < 0) {
                                        continue;
                                    }
                                    for (int kw = 0; kw < kW; kw++) {
                                        int ow = outPos(g, 2, iw, kw, outW);
                                        if (ow < 0) {
                                            continue;
                                        }
                                        int row = (n * c + ch) * kVol + (kd * kH + kh) * kW + kw;
                                        acc += col[colOff + row * outSp + (od * outH + oh) * outW + ow];
                                    }
                                }
                            }
                            x[xOff + idx(n, ch, c, id, ih, iw, inD, inH, inW)] = (float) acc;
                        }
                    }
                }
            }
        }
    }

    /** Input position read by output position {@code o} through tap {@code k} in dimension {@code dim}. */
    private static int inPos(ConvGeometry g, int dim, int o, int k) {
        return o * g.stride(dim) - g.padBefore(dim) + k * g.dilation(dim);
    }

    /**
     * The output position whose window reads input position {@code i} through tap {@code k} in dimension
     * {@code dim}, or -1 when there is none (not on the stride grid, or outside {@code [0, out)}).
     */
    private static int outPos(ConvGeometry g, int dim, int i, int k, int out) {
        int t = i + g.padBefore(dim) - k * g.dilation(dim);
        int s = g.stride(dim);
        if (t < 0 || (s != 1 && t % s != 0)) { // stride 1 is common: skip the division
            return -1;
        }
        int o = s == 1 ? t : t / s;
        return o < out ? o : -1;
    }

    /** Flat index of {@code (a, b, d, h, w)} in a contiguous {@code (*, bs, ds, hs, ws)} array. */
    private static int idx(int a, int b, int bs, int d, int h, int w, int ds, int hs, int ws) {
        return (((a * bs + b) * ds + d) * hs + h) * ws + w;
    }
}
