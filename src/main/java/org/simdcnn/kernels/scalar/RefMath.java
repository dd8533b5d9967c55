package org.simdcnn.kernels.scalar;

/**
 * Double-precision special functions the reference kernels need and {@link Math} lacks: {@link #erf} and
 * {@link #erfc}, accurate to a few units in the last place of a double (about 1e-15 relative) over the whole
 * range, and the numerically stable {@link #sigmoid}, {@link #log1pExp} and {@link #expNegSquare} they build on.
 *
 * <p>Method: for {@code |x| < 1.5}, {@code erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n (2x^2)^n x / (1*3*...*(2n+1))},
 * a series whose terms are all positive (no cancellation), and {@code erfc = 1 - erf} below 1; from 6,
 * {@code erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))}, Laplace's continued fraction
 * evaluated backwards with a depth that depends on {@code x} (measured against 40-digit values); between 1 and 6,
 * where that fraction needs hundreds of terms, a 20-term Taylor expansion around grid points {@code 1 + j/8}
 * whose values the fraction computes once at class initialisation; {@code erf = 1 - erfc} from 1.5; {@code exp(-x^2)} is computed from the exact split of {@code x^2} so that
 * its rounding does not grow with {@code x}. Public so tests and the fast kernels' scalar tails can use it.
 */
public final class RefMath {
    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126; // 2/sqrt(pi)
    private static final double ONE_OVER_SQRT_PI = 0.5641895835477563; // 1/sqrt(pi)

    private RefMath() {
    }

    /** {@code exp(-x*x)} without the error of rounding {@code x*x} first. */
    public static double expNegSquare(double x) {
        double hi = x * x;
        if (!(hi < 746)) {
            return hi != hi ? Double.NaN : 0.0;
        }
        double lo = Math.fma(x, x, -hi);
        return Math.exp(-hi) * (1.0 - lo);
    }

    /** The error function. {@code erf(-0.0) = -0.0}, {@code erf(+-inf) = +-1}, NaN stays NaN. */
    public static double erf(double x) {
        if (x != x) {
            return x;
        }
        double a = Math.abs(x);
        double r;
        if (a < 1.5) {
            r = erfSeries(a);
        } else {
            r = 1.0 - erfcPositive(a);
        }
        return Math.copySign(r, x);
    }

    /** The complementary error function {@code 1 - erf(x)}, accurate in relative terms also where it is tiny. */
    public static double erfc(double x) {
        if (x != x) {
            return x;
        }
        if (x < 0) {
            return 2.0 - erfcPositive(-x);
        }
        return erfcPositive(x);
    }

    private static double erfcPositive(double a) {
        if (a < 1.0) {
            // 1 - erf loses at most a factor 1/erfc(1) ~ 6 in relative terms here: about 1e-15
            return 1.0 - erfSeries(a);
        }
        if (a < TABLE_END) {
            return erfcTaylor(a);
        }
        return erfcContinuedFraction(a, a < 8 ? 35 : 16);
    }

    /** 1/(2n+1), so the series multiplies instead of dividing. */
    private static final double[] INV_ODD = new double[64];

    static {
        for (int n = 0; n < INV_ODD.length; n++) {
            INV_ODD[n] = 1.0 / (2 * n + 1);
        }
    }

    /** Positive-term series, for 0 <= a < 1.5 (a few dozen terms). */
    private static double erfSeries(double a) {
        if (a == 0) {
            return 0.0;
        }
        double twoA2 = 2 * a * a;
        double term = a;
        double sum = a;
        for (int n = 1; n < INV_ODD.length; n++) {
            term *= twoA2 * INV_ODD[n];
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        return TWO_OVER_SQRT_PI * expNegSquare(a) * sum;
    }

    /**
     * Continued fraction for erfc, {@code a >= 1}, evaluated backwards from {@code depth} (truncation error below
     * 1e-18 for the depths used: 2000 at 1, 35 from 6, 16 from 8, measured against 40-digit values).
     */
    private static double erfcContinuedFraction(double a, int depth) {
        if (a > 27.3) {
            return 0.0; // erfc(27.3) < 1e-325: below the smallest double
        }
        double f = a;
        for (int k = depth; k >= 1; k--) {
            f = a + (0.5 * k) / f;
        }
        return ONE_OVER_SQRT_PI * expNegSquare(a) / f;
    }

    // Between 1 and 6 the continued fraction needs hundreds of terms, so erfc is expanded instead around grid
    // points a_j = 1 + j/8 whose values are computed once, slowly and accurately, by the continued fraction:
    // erfc(a + h) = erfc(a) + 2/sqrt(pi) * exp(-a^2) * sum_{n>=1} (-h)^n H_{n-1}(a) / n!  (Hermite polynomials),
    // with |h| <= 1/16, where 20 terms leave a truncation error below 1e-17 relative.
    private static final double TABLE_START = 1.0;
    private static final double TABLE_END = 6.0;
    private static final int TABLE_STEPS = 8;
    private static final int TAYLOR_TERMS = 20;
    private static final double[] GRID_ERFC = new double[(int) ((TABLE_END - TABLE_START) * TABLE_STEPS) + 1];
    private static final double[] GRID_EXP = new double[GRID_ERFC.length];
    private static final double[] INV_FACTORIAL = new double[TAYLOR_TERMS + 1];

    static {
        for (int j = 0; j < GRID_ERFC.length; j++) {
            double a = TABLE_START + (double) j / TABLE_STEPS;
            GRID_ERFC[j] = erfcContinuedFraction(a, 2000);
            GRID_EXP[j] = expNegSquare(a);
        }
        double f = 1;
        for (int n = 0; n <= TAYLOR_TERMS; n++) {
            f *= Math.max(n, 1);
            INV_FACTORIAL[n] = 1 / f;
        }
    }

    private static double erfcTaylor(double x) {
        int j = (int) Math.rint((x - TABLE_START) * TABLE_STEPS);
        double a = TABLE_START + (double) j / TABLE_STEPS;
        double mh = a - x; // -h
        double hPrev = 0; // H_{-1} (unused: the recurrence starts at H_0, H_1)
        double h = 1; // H_0(a)
        double power = mh; // (-h)^1
        double sum = power * h * INV_FACTORIAL[1];
        for (int n = 2; n <= TAYLOR_TERMS; n++) {
            // H_{n-1} = 2a H_{n-2} - 2(n-2) H_{n-3}
            double next = 2 * a * h - 2 * (n - 2) * hPrev;
            hPrev = h;
            h = next;
            power *= mh;
            sum += power * h * INV_FACTORIAL[n];
        }
        return GRID_ERFC[j] + TWO_OVER_SQRT_PI * GRID_EXP[j] * sum;
    }

    /** The standard normal CDF {@code Phi(x) = erfc(-x/sqrt(2))/2}, accurate also in the far left tail. */
    public static double normalCdf(double x) {
        return 0.5 * erfc(-x * 0.7071067811865476);
    }

    /** The standard normal density {@code exp(-x^2/2)/sqrt(2*pi)}. */
    public static double normalPdf(double x) {
        return 0.3989422804014327 * expNegSquare(x * 0.7071067811865476);
    }

    /** {@code 1/(1+exp(-x))} without overflow: tiny but non-zero far left, exactly 0 and 1 at the infinities. */
    public static double sigmoid(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    /** {@code log(1+exp(x))} without overflow or cancellation. */
    public static double log1pExp(double x) {
        if (x > 0) {
            return x + Math.log1p(Math.exp(-x));
        }
        return Math.log1p(Math.exp(x));
    }
}
