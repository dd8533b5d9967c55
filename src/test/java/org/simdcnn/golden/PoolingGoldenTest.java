package org.simdcnn.golden;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.simdcnn.geometry.PoolGeometry;
import org.simdcnn.tensor.Tensor;

/**
 * Max pooling (values, PyTorch's return_indices, backward), average pooling (ceil_mode, count_include_pad both
 * ways, backward) and adaptive average pooling (global, non-divisible, upsampling; backward), 1d/2d/3d, against
 * PyTorch.
 *
 * <p>Tolerances: max pooling forward values and indices exactly (NaN and infinities included); its backward
 * {@code rtol = 1e-6}, {@code atol = 1e-6}. Average and adaptive pooling: forward {@code rtol = 1e-5},
 * {@code atol = 2e-7}; backward {@code rtol = 1e-5}, {@code atol = 1e-6}. Backward atol is larger because
 * overlapping windows sum gradients, in an order the contract leaves open, and such sums may cancel.
 */
class PoolingGoldenTest {

    static PoolGeometry geometry(GoldenData.Case c, String kind) {
        return PoolGeometry.of(kind, c.i("dims"), c.i("n"), c.i("c"), c.ints("size"), c.ints("k"),
                c.ints("stride"), c.ints("padding"), c.has("dilation") ? c.ints("dilation") : null, c.bool("ceil"));
    }

    @TestFactory
    Stream<DynamicTest> maxPool() {
        return Golden.tests("maxpool", (c, b) -> {
            PoolGeometry g = geometry(c, "max_pool");
            float[] y = Golden.out(g.outputSize());
            int[] idx = Golden.outInt(g.outputSize());
            float[] x = Golden.at(c.t("x"));
            b.pooling().maxForward(g, x, Golden.OFF, y, Golden.OFF, idx, Golden.OFF);
            Golden.exact(c, b, "max pool y", Golden.view(c, b, "y", y, g.outputShape()), c.t("y"));
            int[] got = Golden.viewInt(c, b, "argmax", idx);
            Golden.exactInts(c, b, "max pool indices", got, c.it("indices").data());

            float[] y2 = Golden.out(g.outputSize()); // argmax is optional
            b.pooling().maxForward(g, x, Golden.OFF, y2, Golden.OFF, null, 0);
            Golden.exact(c, b, "max pool y without argmax", Golden.view(c, b, "y", y2, g.outputShape()), c.t("y"));

            float[] dx = Golden.out(g.inputSize());
            b.pooling().maxBackward(g, Golden.at(c.t("dy")), Golden.OFF, Golden.atInt(c.it("indices").data()),
                    Golden.OFF, dx, Golden.OFF);
            Golden.close(c, b, "max pool backward dx", Golden.view(c, b, "dx", dx, g.inputShape()), c.t("dx"), 1e-6,
                    1e-6);
        });
    }

    @TestFactory
    Stream<DynamicTest> avgPool() {
        return Golden.tests("avgpool", (c, b) -> {
            PoolGeometry g = geometry(c, "avg_pool");
            boolean cip = c.bool("count_include_pad");
            float[] y = Golden.out(g.outputSize());
            b.pooling().avgForward(g, cip, Golden.at(c.t("x")), Golden.OFF, y, Golden.OFF);
            Golden.close(c, b, "avg pool y", Golden.view(c, b, "y", y, g.outputShape()), c.t("y"), 1e-5, 2e-7);

            float[] dx = Golden.out(g.inputSize());
            b.pooling().avgBackward(g, cip, Golden.at(c.t("dy")), Golden.OFF, dx, Golden.OFF);
            Golden.close(c, b, "avg pool backward dx", Golden.view(c, b, "dx", dx, g.inputShape()), c.t("dx"), 1e-5,
                    1e-6);
        });
    }

    @TestFactory
    Stream<DynamicTest> adaptiveAvgPool() {
        return Golden.tests("adaptive", (c, b) -> {
            int n = c.i("n");
            int ch = c.i("c");
            int[] in = c.ints("size");
            int[] out = c.ints("out");
            Tensor yExp = c.t("y");
            Tensor xExp = c.t("x");
            float[] y = Golden.out(yExp.size());
            b.pooling().adaptiveAvgForward(n, ch, in, out, Golden.at(xExp), Golden.OFF, y, Golden.OFF);
            Golden.close(c, b, "adaptive avg y", Golden.view(c, b, "y", y, yExp.shape()), yExp, 1e-5, 2e-7);

            float[] dx = Golden.out(xExp.size());
            b.pooling().adaptiveAvgBackward(n, ch, in, out, Golden.at(c.t("dy")), Golden.OFF, dx, Golden.OFF);
            Golden.close(c, b, "adaptive avg backward dx", Golden.view(c, b, "dx", dx, xExp.shape()), c.t("dx"),
                    1e-5, 1e-6);
        });
    }
}
