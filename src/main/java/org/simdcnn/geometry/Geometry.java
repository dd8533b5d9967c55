package org.simdcnn.geometry;

import java.util.Arrays;

/**
 * The output-size formulas of PyTorch's convolution, transposed convolution and pooling, and the checks that
 * reject impossible configurations with an {@link IllegalArgumentException} naming the operation, the
 * parameter, the dimension and the values. Everything else in the library asks here.
 */
public final class Geometry {
    private Geometry() {
    }

    /** The names of the spatial dimensions of a 1d, 2d or 3d operation, as PyTorch's docs name them. */
    public static String[] dimNames(int dims) {
        return switch (dims) {
            case 1 -> new String[] {"L"};
            case 2 -> new String[] {"H", "W"};
            case 3 -> new String[] {"D", "H", "W"};
            default -> throw new IllegalArgumentException("dims: must be 1, 2 or 3, got " + dims);
        };
    }

    /**
     * Convolution output size in one dimension:
     * {@code floor((in + padBefore + padAfter - dilation*(kernel-1) - 1) / stride) + 1}.
     *
     * @throws IllegalArgumentException when a parameter is out of range or the dilated kernel is larger than
     *     the padded input (the output would be empty)
     */
    public static int convOutputSize(String op, String dim, int in, int kernel, int stride, int padBefore,
            int padAfter, int dilation) {
        checkCommon(op, dim, in, kernel, stride, dilation);
        if (padBefore < 0 || padAfter < 0) {
            throw new IllegalArgumentException(op + ": padding must be >= 0 in dimension " + dim + ", got before="
                    + padBefore + " after=" + padAfter);
        }
        long span = (long) dilation * (kernel - 1) + 1;
        long padded = (long) in + padBefore + padAfter;
        if (span > padded) {
            throw new IllegalArgumentException(op + ": kernel span " + span + " (kernel " + kernel + ", dilation "
                    + dilation + ") is larger than the padded input " + padded + " (input " + in + " + padding "
                    + padBefore + " + " + padAfter + ") in dimension " + dim);
        }
        long out = (padded - span) / stride + 1;
        return checkedSize(op, dim, out);
    }

    /**
     * Transposed-convolution output size in one dimension:
     * {@code (in-1)*stride - padBefore - padAfter + dilation*(kernel-1) + outputPadding + 1}.
     * PyTorch requires {@code outputPadding < max(stride, dilation)}.
     */
    public static int convTransposeOutputSize(String op, String dim, int in, int kernel, int stride, int padBefore,
            int padAfter, int dilation, int outputPadding) {
        checkCommon(op, dim, in, kernel, stride, dilation);
        if (padBefore < 0 || padAfter < 0) {
            throw new IllegalArgumentException(op + ": padding must be >= 0 in dimension " + dim + ", got before="
                    + padBefore + " after=" + padAfter);
        }
        if (outputPadding < 0 || outputPadding >= Math.max(stride, dilation)) {
            throw new IllegalArgumentException(op + ": outputPadding must be >= 0 and smaller than max(stride, "
                    + "dilation) = " + Math.max(stride, dilation) + " in dimension " + dim + ", got "
                    + outputPadding);
        }
        long out = ((long) in - 1) * stride - padBefore - padAfter + (long) dilation * (kernel - 1)
                + outputPadding + 1;
        if (out < 1) {
            throw new IllegalArgumentException(op + ": output size " + out + " < 1 in dimension " + dim
                    + " (input " + in + ", kernel " + kernel + ", stride " + stride + ", padding " + padBefore
                    + " + " + padAfter + ", dilation " + dilation + ", outputPadding " + outputPadding + ")");
        }
        return checkedSize(op, dim, out);
    }

    /**
     * Pooling output size in one dimension, PyTorch's rule: floor (or ceil with {@code ceilMode}) of
     * {@code (in + 2*pad - dilation*(kernel-1) - 1) / stride} plus one; with {@code ceilMode} a last window
     * that would start in the right padding (at or after {@code in + pad}) is dropped. Padding may be at most
     * half the kernel.
     */
    public static int poolOutputSize(String op, String dim, int in, int kernel, int stride, int pad, int dilation,
            boolean ceilMode) {
        checkCommon(op, dim, in, kernel, stride, dilation);
        if (pad < 0) {
            throw new IllegalArgumentException(op + ": padding must be >= 0 in dimension " + dim + ", got " + pad);
        }
        if (pad > kernel / 2) {
            throw new IllegalArgumentException(op + ": padding must be at most half the kernel in dimension " + dim
                    + ", got padding " + pad + " with kernel " + kernel);
        }
        long span = (long) dilation * (kernel - 1) + 1;
        long num = (long) in + 2L * pad - span + (ceilMode ? stride - 1 : 0);
        long out = Math.floorDiv(num, (long) stride) + 1;
        if (ceilMode && out >= 1 && (out - 1) * stride >= (long) in + pad) {
            out--;
        }
        if (out < 1) {
            throw new IllegalArgumentException(op + ": kernel span " + span + " (kernel " + kernel + ", dilation "
                    + dilation + ") is larger than the padded input " + (in + 2L * pad) + " (input " + in
                    + " + padding " + pad + " + " + pad + ") in dimension " + dim);
        }
        return checkedSize(op, dim, out);
    }

    /** PyTorch's split of {@code padding="same"}: total {@code dilation*(kernel-1)}, half before, rest after. */
    public static int[] samePadding(int kernel, int dilation) {
        long total0 = (long) dilation * (kernel - 1);
        if (total0 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("padding='same': dilation*(kernel-1) = " + total0 + " (kernel "
                    + kernel + ", dilation " + dilation + ") does not fit in an int");
        }
        int total = (int) total0;
        return new int[] {total / 2, total - total / 2};
    }

    private static void checkCommon(String op, String dim, int in, int kernel, int stride, int dilation) {
        if (in < 1) {
            throw new IllegalArgumentException(op + ": input size must be >= 1 in dimension " + dim + ", got " + in);
        }
        if (kernel < 1) {
            throw new IllegalArgumentException(op + ": kernel size must be >= 1 in dimension " + dim + ", got "
                    + kernel);
        }
        if (stride < 1) {
            throw new IllegalArgumentException(op + ": stride must be >= 1 in dimension " + dim + ", got " + stride);
        }
        if (dilation < 1) {
            throw new IllegalArgumentException(op + ": dilation must be >= 1 in dimension " + dim + ", got "
                    + dilation);
        }
    }

    private static int checkedSize(String op, String dim, long out) {
        if (out > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": output size " + out + " in dimension " + dim
                    + " does not fit in an int");
        }
        return (int) out;
    }

    /** Positive count check shared by the geometries. */
    static int positive(String op, String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(op + ": " + what + " must be >= 1, got " + value);
        }
        return value;
    }

    /**
     * Expands a per-dimension parameter given as one value (broadcast) or {@code dims} values into the library's
     * normalised 3-entry form (depth, height, width); missing leading dimensions get {@code fill}.
     */
    static int[] expand3(String op, String what, int[] values, int dims, int fill) {
        if (values == null || (values.length != 1 && values.length != dims)) {
            throw new IllegalArgumentException(op + ": " + what + " needs 1 or " + dims + " values, got "
                    + (values == null ? "null" : Arrays.toString(values)));
        }
        int[] r = new int[] {fill, fill, fill};
        for (int i = 0; i < dims; i++) {
            r[3 - dims + i] = values.length == 1 ? values[0] : values[i];
        }
        return r;
    }

    /** Multiplies sizes, failing clearly instead of overflowing. */
    static long volume(String op, String what, long... sizes) {
        // every factor is a validated int >= 1 and the running product stays <= 2^31 before each step, so the
        // long product cannot overflow; stop at the first factor that exceeds an array
        long v = 1;
        for (long s : sizes) {
            v *= s;
            if (v > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException(op + ": " + what + " has more elements than a Java array can "
                        + "hold (" + Arrays.toString(sizes) + ")");
            }
        }
        return v;
    }
}
