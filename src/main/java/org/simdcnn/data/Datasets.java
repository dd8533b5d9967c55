package org.simdcnn.data;

import java.util.SplittableRandom;

/** Seeded permutations and splits of datasets. */
public final class Datasets {
    private Datasets() {
    }

    /** Two disjoint parts of a dataset. */
    public record Split(Dataset train, Dataset test) {
    }

    /**
     * A permutation of {@code 0..n-1} (Fisher-Yates) drawn from {@code rng}.
     *
     * @throws IllegalArgumentException when {@code n < 0}
     */
    public static int[] permutation(int n, SplittableRandom rng) {
        if (n < 0) {
            throw new IllegalArgumentException("n: must be >= 0, got " + n);
        }
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * Splits {@code dataset} at random (seeded: the same seed gives the same split) into {@code trainSize} and
     * {@code testSize} samples, disjoint; samples beyond {@code trainSize + testSize} are left out.
     *
     * @throws IllegalArgumentException when the sizes are negative or exceed the dataset
     */
    public static Split split(Dataset dataset, int trainSize, int testSize, long seed) {
        if (dataset == null) {
            throw new IllegalArgumentException("dataset: must not be null");
        }
        if (trainSize < 0 || testSize < 0 || (long) trainSize + testSize > dataset.size()) {
            throw new IllegalArgumentException("split: trainSize=" + trainSize + " and testSize=" + testSize
                    + " must be >= 0 and sum to at most the dataset size " + dataset.size());
        }
        int[] p = permutation(dataset.size(), new SplittableRandom(seed));
        int[] train = new int[trainSize];
        int[] test = new int[testSize];
        System.arraycopy(p, 0, train, 0, trainSize);
        System.arraycopy(p, trainSize, test, 0, testSize);
        return new Split(dataset.subset(train), dataset.subset(test));
    }

    /** The first {@code n} samples of a seeded permutation: a random subset of size {@code n}. */
    public static Dataset sample(Dataset dataset, int n, long seed) {
        return split(dataset, n, 0, seed).train();
    }
}
