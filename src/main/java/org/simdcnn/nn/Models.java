package org.simdcnn.nn;

/** Ready-made models. */
public final class Models {
    private Models() {
    }

    /**
     * The seed's MNIST CNN for {@code (N, 1, 28, 28)} input and 10 classes:
     * Conv2d(1,32,3,p1)-ReLU-MaxPool2d(2)-Conv2d(32,64,3,p1)-ReLU-MaxPool2d(2)-Flatten-Linear(3136,128)-ReLU-
     * Linear(128,10). Parameters drawn from {@link Init}'s generator (call {@link Init#manualSeed} first for a
     * reproducible model). State-dict names match the same {@code nn.Sequential} in PyTorch.
     */
    public static Sequential mnistCnn() {
        return new Sequential(
                new Conv2d(1, 32, 3, 1, 1),
                new ReLU(),
                new MaxPool2d(2),
                new Conv2d(32, 64, 3, 1, 1),
                new ReLU(),
                new MaxPool2d(2),
                new Flatten(),
                new Linear(3136, 128),
                new ReLU(),
                new Linear(128, 10));
    }
}
