package org.simdcnn.kernels;

import java.util.Random;
import java.util.zip.CRC32;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.Padding;

/**
 * A probe, not run by {@code mvn test}: prints a CRC of the raw bits of conv forward, grad input and grad weight of
 * the served backend for many seeded geometries (depthwise with strides, dilation, awkward widths; gathered
 * forward; plain) on real-valued data, some with infinities, NaNs and signed zeros. Running it against two builds
 * and diffing the output shows whether a change kept every result bit for bit.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes \
 *     org.simdcnn.kernels.ConvBitsDump [cases]
 * </pre>
 */
public final class ConvBitsDump {
    private ConvBitsDump() {
    }

    static float[] data(Random r, int n, boolean specials) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
            if (specials && r.nextInt(60) == 0) {
                int k = r.nextInt(5);
                a[i] = k == 0 ? Float.POSITIVE_INFINITY : k == 1 ? Float.NEGATIVE_INFINITY : k == 2 ? Float.NaN
                        : k == 3 ? -0f : 0f;
            }
        }
        return a;
    }

    static String crc(float[] a) {
        CRC32 c = new CRC32();
        for (float v : a) {
            int b = Float.floatToIntBits(v); // NaN payloads canonical: C2 may swap commutative operands
            c.update(b);
            c.update(b >>> 8);
            c.update(b >>> 16);
            c.update(b >>> 24);
        }
        return Long.toHexString(c.getValue());
    }

    public static void main(String[] args) {
        int cases = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        SimdCnn.setThreads(2);
        Conv conv = SimdCnn.backend().conv();
        Random r = new Random(42);
        int[] widths = {1, 2, 5, 15, 16, 17, 31, 33, 40, 47, 64, 70};
        for (int ci = 0; ci < cases; ci++) {
            int kind = ci % 4;
            int dims = 1 + r.nextInt(3);
            int batch = 1 + r.nextInt(2);
            int cin = 1 + r.nextInt(5);
            int groups = kind <= 1 ? cin : (r.nextBoolean() ? 1 : cin);
            int mult = 1 + r.nextInt(2);
            int cout = kind <= 1 ? cin * mult : (groups == 1 ? 1 + r.nextInt(9) : cin * mult);
            int[] size = new int[dims];
            int[] k = new int[dims];
            int[] s = new int[dims];
            int[] d = new int[dims];
            int[] pb = new int[dims];
            int[] pa = new int[dims];
            for (int i = 0; i < dims; i++) {
                boolean width = i == dims - 1;
                k[i] = 1 + r.nextInt(width ? 5 : 3);
                s[i] = width ? (kind == 0 ? 1 : 1 + r.nextInt(3)) : 1 + r.nextInt(2);
                d[i] = r.nextInt(4) == 0 ? 2 : 1;
                int span = (k[i] - 1) * d[i];
                pb[i] = r.nextInt(span / 2 + 2);
                pa[i] = r.nextInt(span / 2 + 2);
                int minIn = Math.max(1, span + 1 - pb[i] - pa[i]);
                size[i] = width ? Math.max(minIn, widths[r.nextInt(widths.length)] * s[i] + r.nextInt(s[i]))
                        : minIn + r.nextInt(dims == 3 ? 3 : 6);
            }
            ConvGeometry g;
            try {
                g = ConvGeometry.conv(dims, batch, cin, size, cout, k, s, Padding.asymmetric(pb, pa), d, groups);
            } catch (IllegalArgumentException bad) {
                continue;
            }
            boolean specials = r.nextInt(3) == 0;
            float[] x = data(r, g.inputSize(), specials);
            float[] w = data(r, g.weightSize(), specials);
            float[] bias = data(r, g.outChannels(), false);
            float[] dy = data(r, g.outputSize(), specials);
            float[] y = new float[g.outputSize()];
            float[] dx = new float[g.inputSize()];
            float[] dw = new float[g.weightSize()];
            conv.forward(g, x, 0, w, 0, bias, y, 0, Epilogue.RELU);
            String fy = crc(y);
            conv.forward(g, x, 0, w, 0, null, y, 0, Epilogue.NONE);
            String fy2 = crc(y);
            conv.backwardInput(g, dy, 0, w, 0, dx, 0);
            conv.backwardWeight(g, x, 0, dy, 0, dw, 0);
            System.out.println(ci + " " + g + " " + fy + " " + fy2 + " " + crc(dx) + " " + crc(dw));
        }
    }
}
