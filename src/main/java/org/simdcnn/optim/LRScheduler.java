package org.simdcnn.optim;

/**
 * A learning-rate schedule over epochs, PyTorch's chainable form: the constructor sets epoch 0 (the base
 * learning rate), each {@link #step()} advances one epoch and writes the new rate into the optimizer.
 */
public abstract class LRScheduler {
    final Optimizer optimizer;
    final double baseLr;
    int epoch;

    LRScheduler(Optimizer optimizer) {
        if (optimizer == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": optimizer must not be null");
        }
        this.optimizer = optimizer;
        this.baseLr = optimizer.lr();
    }

    /** Advances one epoch and updates the optimizer's learning rate. */
    public void step() {
        epoch++;
        optimizer.setLr(next(optimizer.lr()));
    }

    /** The rate for {@link #epoch} from the previous rate. */
    abstract double next(double previous);

    /** The current learning rate. */
    public double lr() {
        return optimizer.lr();
    }

    /** Epochs stepped so far. */
    public int epoch() {
        return epoch;
    }
}
