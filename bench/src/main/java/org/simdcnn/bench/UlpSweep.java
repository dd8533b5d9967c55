package org.simdcnn.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.ActivationFn;
import org.simdcnn.kernels.Backend;
import org.simdcnn.kernels.VectorMath;

/**
 * Measures the maximum error, in ulps ({@link VectorMath#ulpError}), of the active backend's transcendental core
 * and of its sigmoid/tanh activations over a strided sweep of all 2^32 float bit patterns, against the
 * double-precision {@code java.lang.Math} result. Prints one line per function and, with a file argument, writes
 * the same as CSV ({@code function,values,maxUlp,worstInputBits,worstInput}).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar org.simdcnn.bench.UlpSweep [stride] [csv]
 * </pre>
 * The stride (default 7: about 614M values per function) must be odd, so that odd and even mantissas are both
 * visited; every exponent, both signs, NaNs, infinities and subnormals are inside the sweep.
 */
public final class UlpSweep {
    private UlpSweep() {
    }

    enum Fn {
        EXP(Math::exp), EXPM1(Math::expm1), LOG(Math::log), TANH(Math::tanh), SIGMOID(v -> 1 / (1 + Math.exp(-v))),
        ACTIVATION_SIGMOID(v -> 1 / (1 + Math.exp(-v))), ACTIVATION_TANH(Math::tanh);

        final DoubleUnaryOperator ref;

        Fn(DoubleUnaryOperator ref) {
            this.ref = ref;
        }

        void apply(Backend b, float[] x, float[] y, int n) {
            VectorMath m = b instanceof VectorMath vm ? vm : null;
            switch (this) {
                case EXP -> m.exp(x, 0, y, 0, n);
                case EXPM1 -> m.expm1(x, 0, y, 0, n);
                case LOG -> m.log(x, 0, y, 0, n);
                case TANH -> m.tanh(x, 0, y, 0, n);
                case SIGMOID -> m.sigmoid(x, 0, y, 0, n);
                case ACTIVATION_SIGMOID -> b.activations().forward(ActivationFn.SIGMOID, x, 0, y, 0, n);
                case ACTIVATION_TANH -> b.activations().forward(ActivationFn.TANH, x, 0, y, 0, n);
            }
        }

        boolean available(Backend b) {
            return name().startsWith("ACTIVATION_") || b instanceof VectorMath;
        }
    }

    public static void main(String[] args) throws IOException {
        int stride = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        if (stride < 1 || stride % 2 == 0) {
            throw new IllegalArgumentException("stride must be odd and positive, got " + stride);
        }
        Backend b = SimdCnn.backend();
        SimdCnn.setThreads(1);
        StringBuilder csv = new StringBuilder("function,values,maxUlp,worstInputBits,worstInput\n");
        PrintStream out = System.out;
        out.println("backend: " + SimdCnn.info() + "; sweep stride " + stride);
        int block = 1 << 16;
        float[] x = new float[block];
        float[] y = new float[block];
        for (Fn f : Fn.values()) {
            if (!f.available(b)) {
                out.println(f + ": not available on this backend");
                continue;
            }
            long t0 = System.nanoTime();
            double worst = 0;
            int worstBits = 0;
            long count = 0;
            long bits = 0;
            while (bits < (1L << 32)) {
                int k = 0;
                for (; k < block && bits < (1L << 32); k++, bits += stride) {
                    x[k] = Float.intBitsToFloat((int) bits);
                }
                f.apply(b, x, y, k);
                for (int i = 0; i < k; i++) {
                    double e = VectorMath.ulpError(f.ref.applyAsDouble(x[i]), y[i]);
                    if (e > worst) {
                        worst = e;
                        worstBits = Float.floatToRawIntBits(x[i]);
                    }
                }
                count += k;
            }
            String line = String.format(Locale.ROOT, "%s,%d,%.3f,%08x,%s", f, count, worst, worstBits,
                    Float.intBitsToFloat(worstBits));
            csv.append(line).append('\n');
            out.printf(Locale.ROOT, "%-20s %,d values  max %.3f ulp at %s [bits %08x]  (%.1f s)%n", f, count, worst,
                    Float.intBitsToFloat(worstBits), worstBits, (System.nanoTime() - t0) / 1e9);
        }
        if (args.length > 1) {
            Files.writeString(Path.of(args[1]), csv, StandardCharsets.UTF_8);
        }
    }
}
