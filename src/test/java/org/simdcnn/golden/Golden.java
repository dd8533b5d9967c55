package org.simdcnn.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.Backend;
import org.simdcnn.kernels.scalar.ScalarBackend;
import org.simdcnn.tensor.Tensor;

/** Shared machinery of the golden tests: which backends run, dynamic tests per case, comparisons, offsets. */
final class Golden {
    /** Offset at which the tests place every array they hand to a kernel, to catch ignored offsets. */
    static final int OFF = 3;

    /** Sentinel in the slack before {@link #OFF} and after the data: a kernel must leave it alone. */
    static final float GUARD = -7.77e7f;

    private Golden() {
    }

    /** A kernel check of one case on one backend. */
    @FunctionalInterface
    interface Check {
        void run(GoldenData.Case c, Backend b) throws Exception;
    }

    /** The reference backend and the active one (once when they are the same). */
    static List<Backend> backends() {
        List<Backend> list = new ArrayList<>();
        list.add(ScalarBackend.INSTANCE);
        Backend active = SimdCnn.backend();
        if (active != ScalarBackend.INSTANCE) {
            list.add(active);
        }
        return list;
    }

    /** One dynamic test per case and backend, named {@code backend/case}. */
    static Stream<DynamicTest> tests(String family, Check check) {
        List<GoldenData.Case> cases = GoldenData.load(family);
        List<DynamicTest> tests = new ArrayList<>();
        for (Backend b : backends()) {
            for (GoldenData.Case c : cases) {
                tests.add(DynamicTest.dynamicTest(b.name() + "/" + c.name(), () -> check.run(c, b)));
            }
        }
        return tests.stream();
    }

    // ---- arrays at an offset, with guards --------------------------------------------------------------------

    /** {@code data} copied to a new array at {@link #OFF}, with guard values before and after. */
    static float[] at(float[] data) {
        float[] a = new float[OFF + data.length + OFF];
        Arrays.fill(a, GUARD);
        System.arraycopy(data, 0, a, OFF, data.length);
        return a;
    }

    static float[] at(Tensor t) {
        return at(t.toArray());
    }

    /** An output array of {@code n} elements at {@link #OFF}, pre-filled with NaN (outputs must be overwritten). */
    static float[] out(int n) {
        float[] a = new float[OFF + n + OFF];
        Arrays.fill(a, GUARD);
        Arrays.fill(a, OFF, OFF + n, Float.NaN);
        return a;
    }

    static int[] atInt(int[] data) {
        int[] a = new int[OFF + data.length + OFF];
        Arrays.fill(a, Integer.MIN_VALUE);
        System.arraycopy(data, 0, a, OFF, data.length);
        return a;
    }

    static int[] outInt(int n) {
        int[] a = new int[OFF + n + OFF];
        Arrays.fill(a, Integer.MIN_VALUE);
        Arrays.fill(a, OFF, OFF + n, -12345);
        return a;
    }

    /** The data of an array made by {@link #out} or {@link #at} as a tensor of {@code shape}; checks the guards. */
    static Tensor view(GoldenData.Case c, Backend b, String what, float[] a, int[] shape) {
        int n = a.length - 2 * OFF;
        for (int i = 0; i < OFF; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(GUARD)
                    || Float.floatToRawIntBits(a[OFF + n + i]) != Float.floatToRawIntBits(GUARD)) {
                fail(where(c, b, what) + ": wrote outside its range [offset, offset+" + n + ")");
            }
        }
        return Tensor.of(Arrays.copyOfRange(a, OFF, OFF + n), shape);
    }

    static int[] viewInt(GoldenData.Case c, Backend b, String what, int[] a) {
        int n = a.length - 2 * OFF;
        for (int i = 0; i < OFF; i++) {
            if (a[i] != Integer.MIN_VALUE || a[OFF + n + i] != Integer.MIN_VALUE) {
                fail(where(c, b, what) + ": wrote outside its range [offset, offset+" + n + ")");
            }
        }
        return Arrays.copyOfRange(a, OFF, OFF + n);
    }

    // ---- comparisons -----------------------------------------------------------------------------------------

    static String where(GoldenData.Case c, Backend b, String what) {
        return "golden " + c.family() + "/" + c.name() + " on " + b.name() + " backend, " + what + " " + params(c);
    }

    private static String params(GoldenData.Case c) {
        String s = c.toString();
        int sp = s.indexOf(' ');
        return sp < 0 ? "" : s.substring(sp + 1);
    }

    /** Fails with the case name and {@link Tensor#diff} unless {@code actual} is close to {@code expected}. */
    static void close(GoldenData.Case c, Backend b, String what, Tensor actual, Tensor expected, double rtol,
            double atol) {
        String d = actual.diff(expected, rtol, atol);
        if (d != null) {
            fail(where(c, b, what) + ": " + d);
        }
    }

    /** Bitwise-equal values (NaN equals NaN; -0.0 equals 0.0 as in {@link Tensor#close}). */
    static void exact(GoldenData.Case c, Backend b, String what, Tensor actual, Tensor expected) {
        close(c, b, what, actual, expected, 0, 0);
    }

    static void exactInts(GoldenData.Case c, Backend b, String what, int[] actual, int[] expected) {
        if (!Arrays.equals(actual, expected)) {
            int first = Arrays.mismatch(actual, expected);
            int bad = 0;
            for (int i = 0; i < Math.min(actual.length, expected.length); i++) {
                bad += actual[i] != expected[i] ? 1 : 0;
            }
            fail(where(c, b, what) + ": " + bad + " of " + expected.length + " differ; first at flat " + first
                    + ": " + (first < actual.length ? actual[first] : "-") + " vs expected "
                    + (first < expected.length ? expected[first] : "-") + "\n  actual   "
                    + abbreviate(actual) + "\n  expected " + abbreviate(expected));
        }
        assertArrayEquals(expected, actual);
    }

    private static String abbreviate(int[] a) {
        String s = Arrays.toString(a.length > 40 ? Arrays.copyOf(a, 40) : a);
        return a.length > 40 ? s.substring(0, s.length() - 1) + ", ...]" : s;
    }

    /** Scalar comparison with the same rule as {@link Tensor#close}. */
    static void closeScalar(GoldenData.Case c, Backend b, String what, float actual, float expected, double rtol,
            double atol) {
        close(c, b, what, Tensor.of(new float[] {actual}), Tensor.of(new float[] {expected}), rtol, atol);
    }
}
