package org.simdcnn.kernels.scalar;

import org.simdcnn.kernels.Losses;
import org.simdcnn.kernels.Reduction;

/**
 * Reference losses in PyTorch 1.13's formulas, every sum in double, each result rounded once.
 *
 * <ul>
 *   <li>MSE: {@code (x-t)^2}; gradient {@code 2(x-t)}.</li>
 *   <li>BCE: {@code -w*(t*max(log x, -100) + (1-t)*max(log(1-x), -100))}; gradient PyTorch's
 *       {@code w*(x-t)/max((1-x)*x, 1e-12)}.</li>
 *   <li>BCE with logits: {@code w*((1-t)*x + (1+(p-1)*t)*(log(1+exp(-|x|)) + max(-x, 0)))}; gradient
 *       {@code w*((p*t + 1 - t)*sigmoid(x) - p*t)}.</li>
 *   <li>NLL: {@code -w[t]*x[t]}; MEAN divides by the summed {@code w[t]} of the non-ignored targets (0/0 = NaN
 *       when every target is ignored, as PyTorch).</li>
 *   <li>Cross-entropy: log-softmax over the classes then {@code (1-eps)*nll + (eps/C)*smooth} with
 *       {@code smooth = -sum_c w[c]*logp[c]} (unweighted without weights), zero for ignored targets; with MEAN the
 *       nll part divides by the summed target weight and the smooth part by the same sum when weights are given,
 *       by the number of non-ignored targets otherwise (PyTorch 1.13).</li>
 *   <li>MEAN over n elements divides by n (the element-wise losses).</li>
 * </ul>
 * Class-index targets outside {@code [0, classes)} that are not {@code ignoreIndex} are rejected with an
 * {@link IllegalArgumentException} naming the position and the value, before anything is written.
 */
final class ScalarLosses implements Losses {

    private static float reduce(Reduction r, double sum, double count) {
        return (float) (r == Reduction.MEAN ? sum / count : sum);
    }

    /** The upstream gradient of element {@code i}, already divided by {@code count} for MEAN. */
    private static double upstream(Reduction r, float[] dOut, int dOutOff, int i, double count) {
        return switch (r) {
            case NONE -> dOut[dOutOff + i];
            case SUM -> dOut[dOutOff];
            case MEAN -> dOut[dOutOff] / count;
        };
    }

    // ---- MSE -------------------------------------------------------------------------------------------------

    @Override
    public float mse(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] out, int outOff) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) x[xOff + i] - t[tOff + i];
            double l = d * d;
            if (r == Reduction.NONE) {
                out[outOff + i] = (float) l;
            }
            sum += l;
        }
        return reduce(r, sum, n);
    }

    @Override
    public void mseBackward(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] dOut,
            int dOutOff, float[] dx, int dxOff) {
        for (int i = 0; i < n; i++) {
            double g = upstream(r, dOut, dOutOff, i, n);
            dx[dxOff + i] = (float) (2.0 * ((double) x[xOff + i] - t[tOff + i]) * g);
        }
    }

    // ---- BCE -------------------------------------------------------------------------------------------------

    @Override
    public float bce(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] weight, float[] out,
            int outOff) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double xv = x[xOff + i];
            double tv = t[tOff + i];
            double logX = Math.max(Math.log(xv), -100.0);
            double log1mX = Math.max(Math.log1p(-xv), -100.0);
            double l = (tv - 1) * log1mX - tv * logX;
            if (weight != null) {
                l *= weight[i];
            }
            if (r == Reduction.NONE) {
                out[outOff + i] = (float) l;
            }
            sum += l;
        }
        return reduce(r, sum, n);
    }

    @Override
    public void bceBackward(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] weight,
            float[] dOut, int dOutOff, float[] dx, int dxOff) {
        for (int i = 0; i < n; i++) {
            double xv = x[xOff + i];
            double tv = t[tOff + i];
            double g = upstream(r, dOut, dOutOff, i, n);
            double d = g * (xv - tv) / Math.max((1 - xv) * xv, 1e-12);
            if (weight != null) {
                d *= weight[i];
            }
            dx[dxOff + i] = (float) d;
        }
    }

    // ---- BCE with logits -------------------------------------------------------------------------------------

    private static double posWeightAt(float[] posWeight, int posInner, int i) {
        return posWeight == null ? 1.0 : posWeight[(i / posInner) % posWeight.length];
    }

    @Override
    public float bceWithLogits(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] weight,
            float[] posWeight, int posInner, float[] out, int outOff) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double xv = x[xOff + i];
            double tv = t[tOff + i];
            double p = posWeightAt(posWeight, posInner, i);
            double logWeight = 1 + (p - 1) * tv;
            // log(1 + exp(-x)) = log1p(exp(-|x|)) + max(-x, 0)
            double softplusNeg = Math.log1p(Math.exp(-Math.abs(xv))) + Math.max(-xv, 0);
            double l = (1 - tv) * xv + logWeight * softplusNeg;
            if (weight != null) {
                l *= weight[i];
            }
            if (r == Reduction.NONE) {
                out[outOff + i] = (float) l;
            }
            sum += l;
        }
        return reduce(r, sum, n);
    }

    @Override
    public void bceWithLogitsBackward(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] weight,
            float[] posWeight, int posInner, float[] dOut, int dOutOff, float[] dx, int dxOff) {
        for (int i = 0; i < n; i++) {
            double xv = x[xOff + i];
            double tv = t[tOff + i];
            double p = posWeightAt(posWeight, posInner, i);
            double g = upstream(r, dOut, dOutOff, i, n);
            double pt = p * tv;
            double d = ((pt + 1 - tv) * RefMath.sigmoid(xv) - pt) * g;
            if (weight != null) {
                d *= weight[i];
            }
            dx[dxOff + i] = (float) d;
        }
    }

    // ---- class-index losses ----------------------------------------------------------------------------------

    /** Summed weight of the non-ignored targets (their count when {@code weight} is null). */
    private static double targetWeightSum(int m, int[] target, int tOff, float[] weight, int ignoreIndex) {
        double s = 0;
        for (int k = 0; k < m; k++) {
            int c = target[tOff + k];
            if (c != ignoreIndex) {
                s += weight == null ? 1.0 : weight[c];
            }
        }
        return s;
    }

    private static int countNotIgnored(int m, int[] target, int tOff, int ignoreIndex) {
        int s = 0;
        for (int k = 0; k < m; k++) {
            if (target[tOff + k] != ignoreIndex) {
                s++;
            }
        }
        return s;
    }

    /** log(sum(exp(x - max))) + max over the classes of sample {@code (b, i)}: the log-softmax normaliser. */
    private static double logSumExp(int classes, int inner, float[] x, int base) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, x[base + c * inner]);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            sum += Math.exp(x[base + c * inner] - max);
        }
        return max + Math.log(sum);
    }

    @Override
    public float crossEntropy(Reduction r, int batch, int classes, int inner, float[] x, int xOff, int[] target,
            int tOff, float[] weight, int ignoreIndex, float labelSmoothing, float[] out, int outOff) {
        Losses.checkTargets("cross_entropy", batch, classes, inner, target, tOff, ignoreIndex);
        double eps = labelSmoothing;
        double nllSum = 0;
        double smoothSum = 0;
        double lineSum = 0;
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < inner; i++) {
                int k = b * inner + i;
                int tc = target[tOff + k];
                if (tc == ignoreIndex) {
                    if (r == Reduction.NONE) {
                        out[outOff + k] = 0f;
                    }
                    continue;
                }
                int base = xOff + b * classes * inner + i;
                double lse = logSumExp(classes, inner, x, base);
                double w = weight == null ? 1.0 : weight[tc];
                double nll = -w * (x[base + tc * inner] - lse);
                double smooth = 0;
                if (eps != 0) {
                    for (int c = 0; c < classes; c++) {
                        double logp = x[base + c * inner] - lse;
                        smooth -= (weight == null ? 1.0 : weight[c]) * logp;
                    }
                }
                nllSum += nll;
                smoothSum += smooth;
                double line = eps == 0 ? nll : (1 - eps) * nll + eps / classes * smooth;
                lineSum += line;
                if (r == Reduction.NONE) {
                    out[outOff + k] = (float) line;
                }
            }
        }
        return switch (r) {
            case NONE, SUM -> (float) lineSum;
            case MEAN -> {
                int m = batch * inner;
                double wSum = targetWeightSum(m, target, tOff, weight, ignoreIndex);
                double nllMean = nllSum / wSum;
                if (eps == 0) {
                    yield (float) nllMean;
                }
                double smoothDiv = weight == null ? countNotIgnored(m, target, tOff, ignoreIndex) : wSum;
                yield (float) ((1 - eps) * nllMean + eps / classes * (smoothSum / smoothDiv));
            }
        };
    }

    @Override
    public void crossEntropyBackward(Reduction r, int batch, int classes, int inner, float[] x, int xOff,
            int[] target, int tOff, float[] weight, int ignoreIndex, float labelSmoothing, float[] dOut,
            int dOutOff, float[] dx, int dxOff) {
        Losses.checkTargets("cross_entropy", batch, classes, inner, target, tOff, ignoreIndex);
        int m = batch * inner;
        double eps = labelSmoothing;
        double nllDiv = 1;
        double smoothDiv = 1;
        if (r == Reduction.MEAN) {
            nllDiv = targetWeightSum(m, target, tOff, weight, ignoreIndex);
            smoothDiv = weight == null ? countNotIgnored(m, target, tOff, ignoreIndex) : nllDiv;
        }
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < inner; i++) {
                int k = b * inner + i;
                int tc = target[tOff + k];
                int base = b * classes * inner + i;
                if (tc == ignoreIndex) {
                    for (int c = 0; c < classes; c++) {
                        dx[dxOff + base + c * inner] = 0f;
                    }
                    continue;
                }
                double g = r == Reduction.NONE ? dOut[dOutOff + k] : dOut[dOutOff];
                double gNll = (1 - eps) * g / nllDiv;
                double gSmooth = eps == 0 ? 0 : eps / classes * g / smoothDiv;
                double lse = logSumExp(classes, inner, x, xOff + base);
                // d loss / d logp_c = -gNll*w[t]*[c == t] - gSmooth*w[c]; dx_c = dlogp_c - p_c * sum_c dlogp_c
                double wt = weight == null ? 1.0 : weight[tc];
                double sumDlogp = -gNll * wt;
                if (eps != 0) {
                    for (int c = 0; c < classes; c++) {
                        sumDlogp -= gSmooth * (weight == null ? 1.0 : weight[c]);
                    }
                }
                for (int c = 0; c < classes; c++) {
                    double p = Math.exp(x[xOff + base + c * inner] - lse);
                    double dlogp = (c == tc ? -gNll * wt : 0) - (eps == 0 ? 0 : gSmooth * (weight == null ? 1.0
                            : weight[c]));
                    dx[dxOff + base + c * inner] = (float) (dlogp - p * sumDlogp);
                }
            }
        }
    }

    @Override
    public float nll(Reduction r, int batch, int classes, int inner, float[] x, int xOff, int[] target, int tOff,
            float[] weight, int ignoreIndex, float[] out, int outOff) {
        Losses.checkTargets("nll_loss", batch, classes, inner, target, tOff, ignoreIndex);
        double sum = 0;
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < inner; i++) {
                int k = b * inner + i;
                int tc = target[tOff + k];
                double l = 0;
                if (tc != ignoreIndex) {
                    double w = weight == null ? 1.0 : weight[tc];
                    l = -w * x[xOff + (b * classes + tc) * inner + i];
                }
                if (r == Reduction.NONE) {
                    out[outOff + k] = (float) l;
                }
                sum += l;
            }
        }
        if (r == Reduction.MEAN) {
            return (float) (sum / targetWeightSum(batch * inner, target, tOff, weight, ignoreIndex));
        }
        return (float) sum;
    }

    @Override
    public void nllBackward(Reduction r, int batch, int classes, int inner, float[] x, int xOff, int[] target,
            int tOff, float[] weight, int ignoreIndex, float[] dOut, int dOutOff, float[] dx, int dxOff) {
        Losses.checkTargets("nll_loss", batch, classes, inner, target, tOff, ignoreIndex);
        double div = r == Reduction.MEAN ? targetWeightSum(batch * inner, target, tOff, weight, ignoreIndex) : 1;
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < inner; i++) {
                int k = b * inner + i;
                int tc = target[tOff + k];
                int base = dxOff + b * classes * inner + i;
                for (int c = 0; c < classes; c++) {
                    dx[base + c * inner] = 0f;
                }
                if (tc != ignoreIndex) {
                    double g = r == Reduction.NONE ? dOut[dOutOff + k] : dOut[dOutOff];
                    double w = weight == null ? 1.0 : weight[tc];
                    dx[base + tc * inner] = (float) (-w * g / div);
                }
            }
        }
    }
}
