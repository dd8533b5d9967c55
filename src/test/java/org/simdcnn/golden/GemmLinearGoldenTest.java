package org.simdcnn.golden;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.simdcnn.kernels.Backend;
import org.simdcnn.kernels.BiasMode;
import org.simdcnn.kernels.Epilogue;
import org.simdcnn.tensor.Tensor;

/**
 * GEMM (all four transposes, alpha/beta, leading dimensions larger than the rows, per-row and per-column bias,
 * ReLU/LeakyReLU/clamp epilogues, NaN in C with beta = 0) and the linear layer (forward, backward) against
 * PyTorch / float64 references.
 *
 * <p>Tolerances: integer-valued cases exactly; normal-valued cases {@code rtol = 1e-5}, {@code atol = 2e-6 * K}
 * (K = the reduction length). The columns of C beyond N (leading-dimension padding) must be left untouched.
 */
class GemmLinearGoldenTest {

    static Epilogue epilogue(GoldenData.Case c) {
        return switch (c.str("epilogue")) {
            case "none" -> Epilogue.NONE;
            case "relu" -> Epilogue.RELU;
            case "leaky_relu" -> Epilogue.leakyRelu(c.f("ea"));
            case "clamp" -> Epilogue.clamp(c.f("ea"), c.f("eb"));
            default -> throw new IllegalStateException(c + ": unknown epilogue");
        };
    }

    private static void check(GoldenData.Case c, Backend b, String what, Tensor actual, Tensor expected, int k) {
        if (c.str("values").equals("int")) {
            Golden.exact(c, b, what, actual, expected);
        } else {
            Golden.close(c, b, what, actual, expected, 1e-5, 2e-6 * k);
        }
    }

    @TestFactory
    Stream<DynamicTest> gemm() {
        return Golden.tests("gemm", (c, b) -> {
            int m = c.i("m");
            int n = c.i("n");
            int k = c.i("k");
            BiasMode mode = switch (c.str("bias")) {
                case "none" -> BiasMode.NONE;
                case "row" -> BiasMode.PER_ROW;
                case "column" -> BiasMode.PER_COLUMN;
                default -> throw new IllegalStateException(c + ": unknown bias mode");
            };
            float[] bias = mode == BiasMode.NONE ? null : Golden.at(c.t("bias"));
            Tensor cIn = c.t("c");
            float[] cArr = Golden.at(cIn);
            b.gemm().sgemm(c.bool("transA"), c.bool("transB"), m, n, k, c.f("alpha"), Golden.at(c.t("a")),
                    Golden.OFF, c.i("lda"), Golden.at(c.t("b")), Golden.OFF, c.i("ldb"), c.f("beta"), cArr,
                    Golden.OFF, c.i("ldc"), bias, bias == null ? 0 : Golden.OFF, mode, epilogue(c));
            check(c, b, "C", Golden.view(c, b, "C", cArr, cIn.shape()), c.t("y"), k);
        });
    }

    @TestFactory
    Stream<DynamicTest> linear() {
        return Golden.tests("linear", (c, b) -> {
            int batch = c.i("batch");
            int in = c.i("inF");
            int out = c.i("outF");
            Epilogue e = c.str("epilogue").equals("relu") ? Epilogue.RELU : Epilogue.NONE;
            float[] bias = c.dataOrNull("b");
            float[] y = Golden.out(batch * out);
            b.linear().forward(batch, in, out, Golden.at(c.t("x")), Golden.OFF, Golden.at(c.t("w")), Golden.OFF,
                    bias, y, Golden.OFF, e);
            check(c, b, "forward y", Golden.view(c, b, "y", y, new int[] {batch, out}), c.t("y"), in);

            float[] dx = Golden.out(batch * in);
            b.linear().backwardInput(batch, in, out, Golden.at(c.t("dy_linear")), Golden.OFF, Golden.at(c.t("w")),
                    Golden.OFF, dx, Golden.OFF);
            check(c, b, "grad input dx", Golden.view(c, b, "dx", dx, new int[] {batch, in}), c.t("dx"), out);

            float[] dw = Golden.out(out * in);
            b.linear().backwardWeight(batch, in, out, Golden.at(c.t("x")), Golden.OFF, Golden.at(c.t("dy_linear")),
                    Golden.OFF, dw, Golden.OFF);
            check(c, b, "grad weight dw", Golden.view(c, b, "dw", dw, new int[] {out, in}), c.t("dw"), batch);

            if (c.hasTensor("db")) {
                float[] db = new float[out];
                Arrays.fill(db, Float.NaN);
                b.linear().backwardBias(batch, out, Golden.at(c.t("dy_linear")), Golden.OFF, db);
                check(c, b, "grad bias db", Tensor.of(db, out), c.t("db"), batch);
            }
        });
    }
}
