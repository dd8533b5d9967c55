package org.simdcnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.simdcnn.tensor.Tensor;

class TransformsTest {
    private static final Transform[] ALL = {
        Transforms.normalize(0.5f, 0.25f),
        Transforms.randomCrop(3),
        Transforms.horizontalFlip(0.5),
        Transforms.randomRotation(30),
        Transforms.randomAffine(15, 0.1),
        Transforms.gaussianNoise(0.1),
        Transforms.standardAugmentation(),
        Transforms.compose(Transforms.randomCrop(2), Transforms.normalize(new float[] {0.1f, 0.2f},
                new float[] {1f, 2f})),
    };

    @Property(tries = 60)
    void shapesAreKeptAndSeedsDetermineTheResult(@ForAll @IntRange(min = 0, max = 7) int which,
            @ForAll @IntRange(min = 1, max = 9) int h, @ForAll @IntRange(min = 1, max = 9) int w,
            @ForAll long seed) {
        Transform t = ALL[which];
        Tensor img = Tensor.uniform(seed, 0f, 1f, 2, h, w);
        Tensor a = img.copy();
        Tensor b = img.copy();
        t.apply(a, new SplittableRandom(seed));
        t.apply(b, new SplittableRandom(seed));
        assertArrayEquals(new int[] {2, h, w}, a.shape());
        assertArrayEquals(a.toArray(), b.toArray(), "same seed, same result");
        for (float v : a.toArray()) {
            assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void differentSeedsGiveDifferentAugmentations() {
        Tensor img = Tensor.uniform(1, 0f, 1f, 1, 28, 28);
        int differ = 0;
        Tensor first = img.copy();
        Transforms.standardAugmentation().apply(first, new SplittableRandom(0));
        for (long s = 1; s <= 10; s++) {
            Tensor x = img.copy();
            Transforms.standardAugmentation().apply(x, new SplittableRandom(s));
            if (!java.util.Arrays.equals(first.toArray(), x.toArray())) {
                differ++;
            }
        }
        assertTrue(differ >= 9, "augmentations vary with the seed: " + differ);
    }

    @Test
    void normalizeIsExact() {
        Tensor x = Tensor.of(new float[] {0f, 0.5f, 1f, 0.25f}, 2, 1, 2);
        Transforms.normalize(new float[] {0.5f, 0f}, new float[] {0.5f, 0.25f}).apply(x, null);
        assertArrayEquals(new float[] {-1f, 0f, 4f, 1f}, x.toArray());
        assertThrows(IllegalArgumentException.class, () -> Transforms.normalize(0f, 0f));
        assertThrows(IllegalArgumentException.class,
                () -> Transforms.normalize(new float[] {0, 0, 0}, new float[] {1, 1, 1}).apply(x, null));
    }

    @Test
    void flipMirrorsRows() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3);
        Transforms.horizontalFlip(1.0).apply(x, new SplittableRandom(0));
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4}, x.toArray());
        Tensor y = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3);
        Transforms.horizontalFlip(0.0).apply(y, new SplittableRandom(0));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, y.toArray());
    }

    @Test
    void cropWithPaddingIsAZeroFilledShift() {
        float[] v = new float[16];
        for (int i = 0; i < 16; i++) {
            v[i] = i + 1;
        }
        Tensor x = Tensor.of(v.clone(), 1, 4, 4);
        Transforms.shift(x, 1, -2);
        assertArrayEquals(new float[] {0, 0, 0, 0, 3, 4, 0, 0, 7, 8, 0, 0, 11, 12, 0, 0}, x.toArray());
        // every crop offset is reachable and mass is only lost, never created
        boolean[] offsets = new boolean[25];
        for (long s = 0; s < 400; s++) {
            Tensor y = Tensor.of(v.clone(), 1, 4, 4);
            Transforms.randomCrop(2).apply(y, new SplittableRandom(s));
            int dy = -9;
            int dx = -9;
            for (int ty = -2; ty <= 2 && dy == -9; ty++) {
                for (int tx = -2; tx <= 2; tx++) {
                    Tensor z = Tensor.of(v.clone(), 1, 4, 4);
                    Transforms.shift(z, ty, tx);
                    if (java.util.Arrays.equals(z.toArray(), y.toArray())) {
                        dy = ty;
                        dx = tx;
                        break;
                    }
                }
            }
            assertTrue(dy != -9, "crop is a shift by at most the padding");
            offsets[(dy + 2) * 5 + dx + 2] = true;
        }
        for (boolean o : offsets) {
            assertTrue(o, "every offset occurs");
        }
    }

    @Test
    void affineIdentityAndQuarterTurn() {
        Tensor img = Tensor.uniform(3, 0f, 1f, 1, 5, 5);
        Tensor same = img.copy();
        Transforms.affine(same, 0, 0, 0);
        assertTrue(same.allClose(img, 0, 1e-6));
        // integer translation equals a shift
        Tensor moved = img.copy();
        Transforms.affine(moved, 0, 2, -1);
        Tensor shifted = img.copy();
        Transforms.shift(shifted, -1, 2);
        assertTrue(moved.allClose(shifted, 0, 1e-6), moved.diff(shifted, 0, 1e-6));
        // a quarter turn of a square image about its centre permutes the pixels
        Tensor rot = img.copy();
        Transforms.affine(rot, Math.PI / 2, 0, 0);
        float[] a = img.toArray();
        float[] r = rot.toArray();
        java.util.Arrays.sort(a);
        java.util.Arrays.sort(r);
        assertArrayEquals(a, r, 1e-5f);
        Tensor back = rot.copy();
        Transforms.affine(back, -Math.PI / 2, 0, 0);
        assertTrue(back.allClose(img, 0, 1e-5), back.diff(img, 0, 1e-5));
        assertFalse(rot.allClose(img, 0, 1e-3));
    }

    @Test
    void noiseHasTheRequestedSpread() {
        Tensor x = Tensor.zeros(1, 100, 100);
        Transforms.gaussianNoise(0.2).apply(x, new SplittableRandom(11));
        double sum = 0;
        double sq = 0;
        for (float v : x.toArray()) {
            sum += v;
            sq += v * v;
        }
        double mean = sum / x.size();
        double std = Math.sqrt(sq / x.size() - mean * mean);
        assertEquals(0.0, mean, 0.01);
        assertEquals(0.2, std, 0.01);
    }

    @Test
    void rejectsBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> Transforms.randomCrop(-1));
        assertThrows(IllegalArgumentException.class, () -> Transforms.horizontalFlip(1.5));
        assertThrows(IllegalArgumentException.class, () -> Transforms.randomAffine(200, 0));
        assertThrows(IllegalArgumentException.class, () -> Transforms.randomAffine(10, -0.1));
        assertThrows(IllegalArgumentException.class, () -> Transforms.gaussianNoise(Double.NaN));
        assertThrows(IllegalArgumentException.class,
                () -> Transforms.randomCrop(1).apply(Tensor.zeros(4, 4), new SplittableRandom(0)));
    }
}
