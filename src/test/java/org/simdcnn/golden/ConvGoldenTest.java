package org.simdcnn.golden;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.Padding;
import org.simdcnn.kernels.Backend;
import org.simdcnn.kernels.Conv;
import org.simdcnn.kernels.Epilogue;
import org.simdcnn.tensor.Tensor;

/**
 * Convolution (1d/2d/3d forward, input/weight/bias gradients), transposed convolution and unfold/fold against
 * PyTorch.
 *
 * <p>Tolerances: cases with small integer values ({@code values=int}) must match exactly (every partial sum is
 * an integer far below 2^24, so any summation order is exact). Cases with normal values: {@code rtol = 1e-5} and
 * {@code atol = 1e-6 * R}, where R is the length of the reduction that produced the element (forward:
 * Cin/groups * kernel volume; input gradient: Cout/groups * kernel volume; weight and bias gradients: batch *
 * output plane).
 */
class ConvGoldenTest {
    static final double RTOL = 1e-5;
    static final double ATOL_PER_TERM = 1e-6;

    static Padding padding(GoldenData.Case c) {
        return switch (c.str("padding")) {
            case "same" -> Padding.same();
            case "valid" -> Padding.valid();
            default -> Padding.of(c.ints("padding")); // PyTorch's padding is symmetric per dimension
        };
    }

    static ConvGeometry geometry(GoldenData.Case c) {
        return ConvGeometry.conv(c.i("dims"), c.i("n"), c.i("cin"), c.ints("size"), c.i("cout"), c.ints("k"),
                c.ints("stride"), padding(c), c.ints("dilation"), c.i("groups"));
    }

    private static void check(GoldenData.Case c, Backend b, String what, Tensor actual, Tensor expected,
            long reduction) {
        if (c.str("values").equals("int")) {
            Golden.exact(c, b, what, actual, expected);
        } else {
            Golden.close(c, b, what, actual, expected, RTOL, ATOL_PER_TERM * reduction);
        }
    }

    @TestFactory
    Stream<DynamicTest> convForwardAndGradients() {
        return Golden.tests("conv", (c, b) -> {
            ConvGeometry g = geometry(c);
            Conv conv = b.conv();
            Tensor x = c.t("x");
            Tensor w = c.t("w");
            float[] bias = c.dataOrNull("b");
            Tensor y = c.t("y");
            long fwdLen = (long) g.inChannelsPerGroup() * g.kernelVolume();

            float[] ya = Golden.out(g.outputSize());
            conv.forward(g, Golden.at(x), Golden.OFF, Golden.at(w), Golden.OFF, bias, ya, Golden.OFF);
            check(c, b, "forward y", Golden.view(c, b, "forward y", ya, g.outputShape()), y, fwdLen);

            // the fused epilogue is defined by Epilogue.apply on the convolution's result
            for (Epilogue e : new Epilogue[] {Epilogue.RELU, Epilogue.leakyRelu(0.125f), Epilogue.clamp(-2f, 3f)}) {
                Tensor ye = y.copy();
                for (int i = 0; i < ye.size(); i++) {
                    ye.setFlat(i, e.apply(ye.getFlat(i)));
                }
                float[] yea = Golden.out(g.outputSize());
                conv.forward(g, Golden.at(x), Golden.OFF, Golden.at(w), Golden.OFF, bias, yea, Golden.OFF, e);
                check(c, b, "forward y with epilogue " + e, Golden.view(c, b, "forward y", yea, g.outputShape()), ye,
                        fwdLen);
            }

            Tensor dy = c.t("dy");
            float[] dx = Golden.out(g.inputSize());
            conv.backwardInput(g, Golden.at(dy), Golden.OFF, Golden.at(w), Golden.OFF, dx, Golden.OFF);
            check(c, b, "grad input dx", Golden.view(c, b, "dx", dx, g.inputShape()), c.t("dx"),
                    (long) g.outChannelsPerGroup() * g.kernelVolume());

            float[] dw = Golden.out(g.weightSize());
            conv.backwardWeight(g, Golden.at(x), Golden.OFF, Golden.at(dy), Golden.OFF, dw, Golden.OFF);
            check(c, b, "grad weight dw", Golden.view(c, b, "dw", dw, g.weightShape()), c.t("dw"),
                    (long) g.batch() * g.outSpatial());

            if (c.hasTensor("db")) {
                float[] db = new float[g.outChannels()];
                java.util.Arrays.fill(db, Float.NaN);
                conv.backwardBias(g, Golden.at(dy), Golden.OFF, db);
                check(c, b, "grad bias db", Tensor.of(db, g.outChannels()), c.t("db"),
                        (long) g.batch() * g.outSpatial());
            }
        });
    }

    static ConvGeometry transposedGeometry(GoldenData.Case c) {
        return ConvGeometry.transposed(c.i("dims"), c.i("n"), c.i("cin"), c.ints("size"), c.i("cout"), c.ints("k"),
                c.ints("stride"), Padding.of(c.ints("padding")), c.ints("output_padding"), c.ints("dilation"),
                c.i("groups"));
    }

    @TestFactory
    Stream<DynamicTest> convTransposeForward() {
        return Golden.tests("conv_transpose", (c, b) -> {
            ConvGeometry g = transposedGeometry(c);
            float[] y = Golden.out(g.outputSize());
            b.conv().transposedForward(g, Golden.at(c.t("x")), Golden.OFF, Golden.at(c.t("w")), Golden.OFF,
                    c.dataOrNull("b"), y, Golden.OFF);
            check(c, b, "transposed forward y", Golden.view(c, b, "y", y, g.outputShape()), c.t("y"),
                    (long) g.inChannelsPerGroup() * g.kernelVolume());
        });
    }

    @TestFactory
    Stream<DynamicTest> unfoldAndFold() {
        return Golden.tests("unfold", (c, b) -> {
            int ch = c.i("c");
            ConvGeometry g = ConvGeometry.conv(c.i("dims"), c.i("n"), ch, c.ints("size"), ch, c.ints("k"),
                    c.ints("stride"), Padding.of(c.ints("padding")), c.ints("dilation"), 1);
            Tensor cols = c.t("cols");
            float[] col = Golden.out(cols.size());
            b.conv().im2col(g, Golden.at(c.t("x")), Golden.OFF, col, Golden.OFF);
            Golden.exact(c, b, "im2col (unfold) columns", Golden.view(c, b, "cols", col, cols.shape()), cols);

            float[] x = Golden.out(g.inputSize());
            b.conv().col2im(g, Golden.at(c.t("fold_cols")), Golden.OFF, x, Golden.OFF);
            Golden.close(c, b, "col2im (fold)", Golden.view(c, b, "fold x", x, g.inputShape()), c.t("fold_x"), 1e-6,
                    1e-6 * g.kernelVolume());
        });
    }
}
