package org.simdcnn.bench;

import ai.onnxruntime.OrtException;
import org.simdcnn.bench.onnx.OnnxModels;
import org.simdcnn.bench.onnx.OrtModel;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.Padding;

/**
 * Checks the hand-written ONNX encoding against ONNX Runtime on awkward geometries the benchmark shapes do not
 * exercise (asymmetric padding, per-dimension strides and dilations, groups, 1d and 3d), plus the ten benchmark
 * shapes: each model's output must match the direct reference; and the MNIST CNN against a reference forward.
 * Run: {@code java -cp bench/target/benchmarks.jar org.simdcnn.bench.OrtSelfCheck}. Exit status 1 on a mismatch.
 */
public final class OrtSelfCheck {
    private OrtSelfCheck() {
    }

    public static void main(String[] args) throws OrtException {
        ConvGeometry[] odd = {
            ConvGeometry.conv(2, 2, 4, new int[] {9, 11}, 6, new int[] {3, 2}, new int[] {2, 1},
                    Padding.asymmetric(new int[] {1, 0}, new int[] {2, 1}), new int[] {1, 2}, 2),
            ConvGeometry.conv(1, 3, 6, new int[] {17}, 9, new int[] {4}, new int[] {3},
                    Padding.asymmetric(new int[] {2}, new int[] {0}), new int[] {2}, 3),
            ConvGeometry.conv(3, 1, 2, new int[] {5, 6, 7}, 4, new int[] {2, 3, 1}, new int[] {1, 2, 1},
                    Padding.asymmetric(new int[] {0, 1, 0}, new int[] {1, 2, 0}), new int[] {2, 1, 1}, 1),
            ConvGeometry.conv2d(1, 8, 10, 10, 8, 3, 3, 1, 1, 1, 8),
        };
        int failures = 0;
        int i = 0;
        for (ConvGeometry g : odd) {
            failures += check("odd" + i, g, ConvShape.uniform(g.inputSize(), 1000 + i),
                    ConvShape.uniform(g.weightSize(), 2000 + i), ConvShape.uniform(g.outChannels(), 3000 + i));
            i++;
        }
        for (ConvShape s : ConvShape.values()) {
            ConvShape.Data d = s.data();
            failures += check(s.label, d.g(), d.x(), d.w(), d.b());
        }
        try (OrtModel m = new OrtModel(OnnxModels.mnistCnn(64, OnnxModels.MnistParams.random(1)), 1)) {
            float[] x = ConvShape.uniform(64 * 784, 3);
            m.setInput(x, OnnxModels.dims(64, 1, 28, 28));
            MnistReference.check("ort mnist_cnn_b64", MnistReference.forward(64, OnnxModels.MnistParams.random(1), x),
                    m.runAndFetch());
        } catch (IllegalStateException e) {
            System.out.println("FAIL " + e.getMessage());
            failures++;
        }
        System.out.println(failures == 0 ? "all ONNX models match" : failures + " model(s) FAILED");
        System.exit(failures == 0 ? 0 : 1);
    }

    private static int check(String name, ConvGeometry g, float[] x, float[] w, float[] b) throws OrtException {
        try (OrtModel m = new OrtModel(OnnxModels.conv(name, g, w, b), 1)) {
            m.setInput(x, OnnxModels.dims(g.inputShape()));
            DirectConv.check("ort " + name + " " + g.name(), DirectConv.forward(g, x, w, b), m.runAndFetch(), 0);
            return 0;
        } catch (IllegalStateException e) {
            System.out.println("FAIL " + e.getMessage());
            return 1;
        }
    }
}
