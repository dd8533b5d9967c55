package org.simdcnn.data;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.simdcnn.tensor.Tensor;

/**
 * Mini-batches of a {@link Dataset}, optionally shuffled and transformed, prepared one batch ahead on a background
 * daemon thread so that training never waits for data.
 *
 * <p><b>Determinism.</b> Epoch {@code e} draws from {@code new SplittableRandom(seed + e * 0x9E3779B97F4A7C15L)}:
 * first the sample order (a Fisher-Yates permutation, when shuffling), then, from a generator split off it, the
 * randomness of the transform, sample after sample in batch order. The same seed and epoch therefore give the same
 * batches, with or without prefetching, on any machine. Iterating the loader ({@link #iterator()}) runs epochs
 * 0, 1, 2, ... in turn; {@link #epoch(int)} picks one explicitly.
 *
 * <p><b>Coverage.</b> Each epoch visits every sample exactly once; with {@code dropLast} the last
 * {@code size % batchSize} samples of the order are skipped (a different set each epoch when shuffling),
 * otherwise the last batch is smaller.
 *
 * <p><b>Memory.</b> Two batch buffers are allocated once and reused (one being filled while the other is used),
 * so a {@link Batch} is valid until the next {@code next()} of its epoch; starting another epoch ends the
 * previous one. A loader is meant for one consumer thread.
 */
public final class DataLoader implements Iterable<Batch>, AutoCloseable {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final Transform transform;
    private final boolean prefetch;
    private final int[] shape;
    private final int imageSize;
    private final Buffer[] buffers;
    private int nextEpoch;
    private Epoch current;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.dropLast = b.dropLast;
        this.transform = b.transform;
        this.prefetch = b.prefetch;
        this.shape = dataset.imageShape();
        this.imageSize = dataset.imageSize();
        int cap = Math.min(batchSize, Math.max(1, dataset.size()));
        this.buffers = new Buffer[] {new Buffer(cap), new Buffer(cap)};
    }

    /** A builder for a loader over {@code dataset} (batch size 64, shuffled with seed 0, prefetching). */
    public static Builder builder(Dataset dataset) {
        if (dataset == null) {
            throw new IllegalArgumentException("dataset: must not be null");
        }
        return new Builder(dataset);
    }

    /** Options of a {@link DataLoader}. */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 64;
        private boolean shuffle = true;
        private long seed;
        private boolean dropLast;
        private Transform transform;
        private boolean prefetch = true;

        private Builder(Dataset dataset) {
            this.dataset = dataset;
        }

        /** Samples per batch, {@code >= 1}. */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize: must be >= 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Whether each epoch visits the samples in a seeded random order (default true). */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** The seed of the order and the transforms (default 0). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Whether to skip the last, incomplete batch (default false). */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /** A transform applied to every image (default none). */
        public Builder transform(Transform transform) {
            this.transform = transform;
            return this;
        }

        /** Whether to prepare the next batch on a background thread (default true). */
        public Builder prefetch(boolean prefetch) {
            this.prefetch = prefetch;
            return this;
        }

        public DataLoader build() {
            return new DataLoader(this);
        }
    }

    /** The dataset. */
    public Dataset dataset() {
        return dataset;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Number of batches in one epoch. */
    public int batchesPerEpoch() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** Number of samples in one epoch (all of them unless {@code dropLast}). */
    public int samplesPerEpoch() {
        return dropLast ? batchesPerEpoch() * batchSize : dataset.size();
    }

    /** The order in which epoch {@code epoch} visits the samples (all of them; dropLast skips the tail). */
    public int[] order(int epoch) {
        return order(generator(epoch));
    }

    private SplittableRandom generator(int epoch) {
        return new SplittableRandom(seed + GOLDEN * epoch);
    }

    private int[] order(SplittableRandom rng) {
        if (shuffle) {
            return Datasets.permutation(dataset.size(), rng);
        }
        int[] p = new int[dataset.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = i;
        }
        return p;
    }

    /** The next epoch's batches (epochs 0, 1, 2, ... on successive calls). */
    @Override
    public Epoch iterator() {
        return epoch(nextEpoch++);
    }

    /**
     * The batches of epoch {@code epoch}; ends the epoch in progress, if any.
     *
     * @throws IllegalArgumentException when {@code epoch < 0}
     */
    public synchronized Epoch epoch(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch: must be >= 0, got " + epoch);
        }
        if (current != null) {
            current.close();
        }
        current = new Epoch(epoch);
        return current;
    }

    /** Ends the epoch in progress (stops its prefetch thread). */
    @Override
    public synchronized void close() {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    private final class Buffer {
        final float[] images;
        final int[] labels;
        final Tensor full;
        Batch batch;

        Buffer(int cap) {
            images = new float[cap * imageSize];
            labels = new int[cap];
            full = Tensor.of(images, cap, shape[0], shape[1], shape[2]);
        }
    }

    /** An error raised while preparing a batch, carried to the consumer. */
    private record Failure(RuntimeException error) {
    }

    /** The batches of one epoch, in order. Closing it stops the prefetch thread. */
    public final class Epoch implements Iterator<Batch>, AutoCloseable {
        private final int epoch;
        private final int[] order;
        private final SplittableRandom augmentRng;
        private final int total;
        private int consumed;
        private Buffer held;
        private final BlockingQueue<Buffer> free = new ArrayBlockingQueue<>(2);
        private final BlockingQueue<Object> ready = new ArrayBlockingQueue<>(3);
        private Thread worker;
        private volatile boolean closed;

        private Epoch(int epoch) {
            this.epoch = epoch;
            SplittableRandom rng = generator(epoch);
            this.order = order(rng);
            this.augmentRng = rng.split();
            this.total = batchesPerEpoch();
            free.add(buffers[0]);
            free.add(buffers[1]);
            if (prefetch && total > 0) {
                worker = new Thread(this::produce, "simdcnn-prefetch");
                worker.setDaemon(true);
                worker.start();
            }
        }

        /** The epoch's number. */
        public int number() {
            return epoch;
        }

        /** Number of batches in this epoch. */
        public int batches() {
            return total;
        }

        private void produce() {
            try {
                for (int k = 0; k < total && !closed; k++) {
                    Buffer b = free.take();
                    try {
                        fill(b, k);
                    } catch (RuntimeException e) {
                        ready.put(new Failure(e));
                        return;
                    }
                    ready.put(b);
                }
            } catch (InterruptedException e) {
                // closed: stop quietly
            }
        }

        private void fill(Buffer b, int k) {
            int start = k * batchSize;
            int n = Math.min(batchSize, order.length - start);
            for (int j = 0; j < n; j++) {
                int off = j * imageSize;
                b.labels[j] = dataset.load(order[start + j], b.images, off);
                if (transform != null) {
                    transform.apply(Tensor.view(b.images, off, shape), augmentRng);
                }
            }
            if (n == b.labels.length) {
                b.batch = new Batch(b.full, b.labels);
            } else {
                b.batch = new Batch(Tensor.view(b.images, 0, n, shape[0], shape[1], shape[2]),
                        Arrays.copyOf(b.labels, n));
            }
        }

        @Override
        public boolean hasNext() {
            return !closed && consumed < total;
        }

        /**
         * The next batch; the previous one returned by this epoch becomes invalid.
         *
         * @throws NoSuchElementException after the last batch or once closed
         */
        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("epoch " + epoch + ": no more batches (" + total + " in all)"
                        + (closed ? ", closed" : ""));
            }
            if (held != null) {
                free.add(held);
                held = null;
            }
            Buffer b;
            if (worker == null) {
                b = free.remove();
                fill(b, consumed);
            } else {
                Object o;
                try {
                    o = ready.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for a batch", e);
                }
                if (o instanceof Failure f) {
                    close();
                    throw f.error();
                }
                b = (Buffer) o;
            }
            held = b;
            consumed++;
            if (consumed == total) {
                worker = null;
            }
            return b.batch;
        }

        /** Stops the prefetch thread (idempotent). */
        @Override
        public void close() {
            closed = true;
            Thread w = worker;
            if (w != null) {
                w.interrupt();
                try {
                    w.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                worker = null;
            }
        }
    }

    @Override
    public String toString() {
        return "DataLoader(" + dataset + ", batchSize=" + batchSize + ", shuffle=" + shuffle + ", seed=" + seed
                + ", dropLast=" + dropLast + ", prefetch=" + prefetch + ")";
    }
}
