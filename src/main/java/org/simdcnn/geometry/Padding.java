package org.simdcnn.geometry;

import java.util.Arrays;

/**
 * Zero padding of a convolution or pooling window: PyTorch's {@code "same"}, {@code "valid"}, or explicit
 * amounts, symmetric or asymmetric, per spatial dimension.
 *
 * <p>Explicit values are given in the user's dimension order (for 2d: height, width). A single value is
 * broadcast to every dimension. {@code same} is resolved against the kernel and dilation only when the
 * geometry is built, with PyTorch's split: {@code total = dilation*(k-1)}, {@code before = total/2}, the rest
 * after.
 */
public final class Padding {
    /** How the padding was specified. */
    public enum Mode { EXPLICIT, SAME, VALID }

    private static final Padding SAME = new Padding(Mode.SAME, null, null);
    private static final Padding VALID = new Padding(Mode.VALID, null, null);

    private final Mode mode;
    private final int[] before;
    private final int[] after;

    private Padding(Mode mode, int[] before, int[] after) {
        this.mode = mode;
        this.before = before;
        this.after = after;
    }

    /** PyTorch's {@code padding="same"}: output size equals input size; needs stride 1. */
    public static Padding same() {
        return SAME;
    }

    /** PyTorch's {@code padding="valid"}: no padding. */
    public static Padding valid() {
        return VALID;
    }

    /** Symmetric padding; one value for all dimensions or one per dimension. */
    public static Padding of(int... pad) {
        if (pad == null || pad.length == 0) {
            throw new IllegalArgumentException("padding: at least one value is needed, got none");
        }
        return new Padding(Mode.EXPLICIT, pad.clone(), pad.clone());
    }

    /** Asymmetric padding: {@code before[i]} zeros before and {@code after[i]} after dimension {@code i}. */
    public static Padding asymmetric(int[] before, int[] after) {
        if (before == null || after == null || before.length == 0 || before.length != after.length) {
            throw new IllegalArgumentException("padding: before and after need the same, non-zero length, got "
                    + Arrays.toString(before) + " and " + Arrays.toString(after));
        }
        return new Padding(Mode.EXPLICIT, before.clone(), after.clone());
    }

    public Mode mode() {
        return mode;
    }

    /** Explicit padding before, per dimension as given (null for same/valid). */
    public int[] before() {
        return before == null ? null : before.clone();
    }

    /** Explicit padding after, per dimension as given (null for same/valid). */
    public int[] after() {
        return after == null ? null : after.clone();
    }

    /** True when before and after are equal in every dimension (always true for same with odd spans and valid). */
    public boolean isSymmetric() {
        return mode != Mode.EXPLICIT || Arrays.equals(before, after);
    }

    int explicitLength() {
        return before == null ? 0 : before.length;
    }

    int beforeAt(int i) {
        return before.length == 1 ? before[0] : before[i];
    }

    int afterAt(int i) {
        return after.length == 1 ? after[0] : after[i];
    }

    @Override
    public String toString() {
        return switch (mode) {
            case SAME -> "same";
            case VALID -> "valid";
            case EXPLICIT -> Arrays.equals(before, after) ? Arrays.toString(before)
                    : "before=" + Arrays.toString(before) + " after=" + Arrays.toString(after);
        };
    }
}
