package org.simdcnn.data;

import java.util.SplittableRandom;
import org.simdcnn.tensor.Tensor;

/**
 * An image transform applied in place to one image of shape {@code (C, H, W)}; the shape never changes. Random
 * transforms draw only from the generator they are given, so a seeded generator makes them deterministic (the
 * {@link DataLoader} hands each epoch its own seeded generator). Implementations keep no mutable state besides
 * per-thread scratch memory, so one transform may be shared by several loaders.
 */
@FunctionalInterface
public interface Transform {
    /** Transforms {@code image} in place, drawing randomness from {@code rng}. */
    void apply(Tensor image, SplittableRandom rng);

    /** This transform, then {@code next}. */
    default Transform andThen(Transform next) {
        if (next == null) {
            throw new IllegalArgumentException("next: must not be null");
        }
        Transform self = this;
        return (image, rng) -> {
            self.apply(image, rng);
            next.apply(image, rng);
        };
    }
}
