package org.simdcnn.data;

import java.util.SplittableRandom;
import org.simdcnn.tensor.Tensor;

/**
 * The standard image transforms (torchvision's names and meaning), in place on {@code (C, H, W)} images. Typical
 * training pipeline for 28x28 grayscale images, augmenting then normalising:
 * <pre>{@code
 * Transform t = Transforms.compose(Transforms.randomCrop(2), Transforms.horizontalFlip(0.5),
 *         Transforms.normalize(FashionMnist.MEAN, FashionMnist.STD));
 * }</pre>
 * Geometric transforms fill uncovered pixels with zeros (black, the background of MNIST-like images) and use a
 * per-thread scratch buffer, so they allocate nothing in steady state.
 */
public final class Transforms {
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    private Transforms() {
    }

    /**
     * To-tensor: {@code n} unsigned bytes from {@code src[srcOff]} scaled to {@code [0, 1]} (divided by 255) into
     * {@code dst[dstOff]}.
     */
    public static void toTensor(byte[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = (src[srcOff + i] & 0xff) / 255f;
        }
    }

    /** Applies {@code transforms} in order (none: the identity). */
    public static Transform compose(Transform... transforms) {
        if (transforms == null) {
            throw new IllegalArgumentException("transforms: must not be null");
        }
        Transform[] ts = transforms.clone();
        for (int i = 0; i < ts.length; i++) {
            if (ts[i] == null) {
                throw new IllegalArgumentException("transforms: element " + i + " is null");
            }
        }
        return (image, rng) -> {
            for (Transform t : ts) {
                t.apply(image, rng);
            }
        };
    }

    /** {@code (x - mean) / std} on every channel. */
    public static Transform normalize(float mean, float std) {
        return normalize(new float[] {mean}, new float[] {std});
    }

    /**
     * {@code (x - mean[c]) / std[c]} per channel; arrays of length 1 apply to every channel.
     *
     * @throws IllegalArgumentException when lengths differ, or a std is not positive and finite
     */
    public static Transform normalize(float[] mean, float[] std) {
        if (mean == null || std == null || mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("normalize: mean and std must be non-empty and of equal length");
        }
        for (int i = 0; i < std.length; i++) {
            if (!(std[i] > 0) || Float.isInfinite(std[i]) || !Float.isFinite(mean[i])) {
                throw new IllegalArgumentException("normalize: std must be > 0 and finite, mean finite; got mean="
                        + mean[i] + " std=" + std[i] + " at channel " + i);
            }
        }
        float[] m = mean.clone();
        float[] inv = new float[std.length];
        for (int i = 0; i < std.length; i++) {
            inv[i] = 1f / std[i];
        }
        return (image, rng) -> {
            int c = check(image);
            int hw = image.dim(1) * image.dim(2);
            if (m.length != 1 && m.length != c) {
                throw new IllegalArgumentException("normalize: " + m.length + " channel statistics for an image with "
                        + c + " channels");
            }
            float[] d = image.data();
            int off = image.offset();
            for (int ch = 0; ch < c; ch++) {
                float mu = m[m.length == 1 ? 0 : ch];
                float s = inv[m.length == 1 ? 0 : ch];
                for (int i = off + ch * hw, end = i + hw; i < end; i++) {
                    d[i] = (d[i] - mu) * s;
                }
            }
        };
    }

    /**
     * Random crop with zero padding (torchvision's {@code RandomCrop(size=H×W, padding=p)}): pads the image by
     * {@code padding} zeros on every side and crops an {@code H×W} window at a uniformly random position.
     *
     * @throws IllegalArgumentException when {@code padding < 0}
     */
    public static Transform randomCrop(int padding) {
        if (padding < 0) {
            throw new IllegalArgumentException("randomCrop: padding must be >= 0, got " + padding);
        }
        return (image, rng) -> {
            check(image);
            int dy = padding - rng.nextInt(2 * padding + 1);
            int dx = padding - rng.nextInt(2 * padding + 1);
            shift(image, dy, dx);
        };
    }

    /** Moves the image content by {@code (dy, dx)} pixels, filling with zeros. */
    static void shift(Tensor image, int dy, int dx) {
        int c = image.dim(0);
        int h = image.dim(1);
        int w = image.dim(2);
        if (dy == 0 && dx == 0) {
            return;
        }
        float[] src = scratch(c * h * w);
        float[] d = image.data();
        int off = image.offset();
        System.arraycopy(d, off, src, 0, c * h * w);
        java.util.Arrays.fill(d, off, off + c * h * w, 0f);
        int x0 = Math.max(0, dx);
        int x1 = Math.min(w, w + dx);
        if (x1 <= x0) {
            return;
        }
        for (int ch = 0; ch < c; ch++) {
            for (int y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
                System.arraycopy(src, (ch * h + y - dy) * w + x0 - dx, d, off + (ch * h + y) * w + x0, x1 - x0);
            }
        }
    }

    /**
     * Horizontal flip (mirror left-right) with probability {@code p}.
     *
     * @throws IllegalArgumentException when {@code p} is outside {@code [0, 1]}
     */
    public static Transform horizontalFlip(double p) {
        checkProbability(p, "horizontalFlip");
        return (image, rng) -> {
            int c = check(image);
            boolean flip = rng.nextDouble() < p;
            if (!flip) {
                return;
            }
            int h = image.dim(1);
            int w = image.dim(2);
            float[] d = image.data();
            int off = image.offset();
            for (int row = 0; row < c * h; row++) {
                int a = off + row * w;
                for (int i = 0, j = w - 1; i < j; i++, j--) {
                    float t = d[a + i];
                    d[a + i] = d[a + j];
                    d[a + j] = t;
                }
            }
        };
    }

    /** Rotation by an angle uniform in {@code [-degrees, degrees]} about the centre, bilinear, zero fill. */
    public static Transform randomRotation(double degrees) {
        return randomAffine(degrees, 0);
    }

    /**
     * Rotation by an angle uniform in {@code [-degrees, degrees]} about the image centre, then a translation by
     * up to {@code maxShift} of the width (horizontally) and height (vertically), uniform; resampled bilinearly,
     * zeros outside (torchvision's {@code RandomAffine(degrees, translate=(s, s))}, with sub-pixel shifts).
     *
     * @throws IllegalArgumentException when {@code degrees} is outside {@code [0, 180]} or {@code maxShift}
     *     outside {@code [0, 1]}
     */
    public static Transform randomAffine(double degrees, double maxShift) {
        if (!(degrees >= 0 && degrees <= 180)) {
            throw new IllegalArgumentException("randomAffine: degrees must be in [0, 180], got " + degrees);
        }
        if (!(maxShift >= 0 && maxShift <= 1)) {
            throw new IllegalArgumentException("randomAffine: maxShift must be in [0, 1], got " + maxShift);
        }
        return (image, rng) -> {
            check(image);
            double angle = Math.toRadians((2 * rng.nextDouble() - 1) * degrees);
            double tx = (2 * rng.nextDouble() - 1) * maxShift * image.dim(2);
            double ty = (2 * rng.nextDouble() - 1) * maxShift * image.dim(1);
            affine(image, angle, tx, ty);
        };
    }

    /**
     * Rotates {@code image} in place by {@code angle} radians (counter-clockwise as displayed, y down) about its
     * centre and translates it by {@code (tx, ty)} pixels; bilinear, zeros outside.
     */
    public static void affine(Tensor image, double angle, double tx, double ty) {
        int c = check(image);
        int h = image.dim(1);
        int w = image.dim(2);
        int n = c * h * w;
        float[] src = scratch(n);
        float[] d = image.data();
        int off = image.offset();
        System.arraycopy(d, off, src, 0, n);
        double cy = (h - 1) / 2.0;
        double cx = (w - 1) / 2.0;
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                // inverse map: output point minus translation, rotated back by -angle
                double px = x - cx - tx;
                double py = y - cy - ty;
                double sx = cos * px - sin * py + cx;
                double sy = sin * px + cos * py + cy;
                int x0 = (int) Math.floor(sx);
                int y0 = (int) Math.floor(sy);
                float fx = (float) (sx - x0);
                float fy = (float) (sy - y0);
                for (int ch = 0; ch < c; ch++) {
                    int base = ch * h * w;
                    float v00 = pixel(src, base, h, w, y0, x0);
                    float v01 = pixel(src, base, h, w, y0, x0 + 1);
                    float v10 = pixel(src, base, h, w, y0 + 1, x0);
                    float v11 = pixel(src, base, h, w, y0 + 1, x0 + 1);
                    float top = v00 + (v01 - v00) * fx;
                    float bottom = v10 + (v11 - v10) * fx;
                    d[off + base + y * w + x] = top + (bottom - top) * fy;
                }
            }
        }
    }

    private static float pixel(float[] src, int base, int h, int w, int y, int x) {
        return y < 0 || y >= h || x < 0 || x >= w ? 0f : src[base + y * w + x];
    }

    /**
     * Adds Gaussian noise of standard deviation {@code std} to every pixel.
     *
     * @throws IllegalArgumentException when {@code std} is negative or not finite
     */
    public static Transform gaussianNoise(double std) {
        if (!(std >= 0) || Double.isInfinite(std)) {
            throw new IllegalArgumentException("gaussianNoise: std must be >= 0 and finite, got " + std);
        }
        return (image, rng) -> {
            check(image);
            float[] d = image.data();
            for (int i = image.offset(), end = i + image.size(); i < end; i++) {
                d[i] += (float) (std * rng.nextGaussian());
            }
        };
    }

    /**
     * The augmentation {@code train --augment} uses for 28x28 grayscale images: random crop with 2 pixels of zero
     * padding, horizontal flip with probability 0.5, rotation up to 10 degrees.
     */
    public static Transform standardAugmentation() {
        return compose(randomCrop(2), horizontalFlip(0.5), randomRotation(10));
    }

    private static int check(Tensor image) {
        if (image == null || image.rank() != 3) {
            throw new IllegalArgumentException("image: must have shape (C, H, W), got "
                    + (image == null ? "null" : java.util.Arrays.toString(image.shape())));
        }
        return image.dim(0);
    }

    private static void checkProbability(double p, String what) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(what + ": probability must be in [0, 1], got " + p);
        }
    }

    private static float[] scratch(int n) {
        float[][] holder = SCRATCH.get();
        if (holder[0].length < n) {
            holder[0] = new float[n];
        }
        return holder[0];
    }
}
