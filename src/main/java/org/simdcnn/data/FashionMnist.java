package org.simdcnn.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * MNIST-format data sets on disk (Fashion-MNIST and MNIST share the file names and format):
 * {@code train-images-idx3-ubyte[.gz]}, {@code train-labels-idx1-ubyte[.gz]}, {@code t10k-images-idx3-ubyte[.gz]},
 * {@code t10k-labels-idx1-ubyte[.gz]}. The gzip and raw names are both accepted (gzip preferred).
 *
 * <p>The project embeds the Fashion-MNIST test split in {@code data/fashion-mnist} (see its README); it is found
 * relative to the working directory ({@link #DEFAULT_DIR}), i.e. run from the repository root.
 */
public final class FashionMnist {
    /** The embedded data, relative to the working directory. */
    public static final Path DEFAULT_DIR = Path.of("data", "fashion-mnist");
    /** Fashion-MNIST's class names, by label. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** Number of classes. */
    public static final int NUM_CLASSES = 10;
    /** Fashion-MNIST's pixel mean and standard deviation on [0,1] (training split). */
    public static final float MEAN = 0.2860f;
    public static final float STD = 0.3530f;

    private FashionMnist() {
    }

    /** The 60,000 training images of a full data set in {@code dir}. */
    public static ByteImageDataset train(Path dir) throws IOException {
        return load(find(dir, "train-images-idx3-ubyte"), find(dir, "train-labels-idx1-ubyte"), NUM_CLASSES);
    }

    /** The 10,000 test images in {@code dir}. */
    public static ByteImageDataset test(Path dir) throws IOException {
        return load(find(dir, "t10k-images-idx3-ubyte"), find(dir, "t10k-labels-idx1-ubyte"), NUM_CLASSES);
    }

    /** True when {@code dir} holds the training files. */
    public static boolean hasTrain(Path dir) {
        return exists(dir, "train-images-idx3-ubyte") && exists(dir, "train-labels-idx1-ubyte");
    }

    private static boolean exists(Path dir, String base) {
        return Files.isRegularFile(dir.resolve(base + ".gz")) || Files.isRegularFile(dir.resolve(base));
    }

    /**
     * The file {@code base.gz} or {@code base} in {@code dir}.
     *
     * @throws NoSuchFileException naming both candidates when neither exists
     */
    public static Path find(Path dir, String base) throws NoSuchFileException {
        Path gz = dir.resolve(base + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path raw = dir.resolve(base);
        if (Files.isRegularFile(raw)) {
            return raw;
        }
        throw new NoSuchFileException(gz.toString(), null, "neither " + gz + " nor " + raw + " exists");
    }

    /**
     * Reads an images file (rank 3: count, rows, columns) and a labels file (rank 1: count) and pairs them.
     *
     * @throws IOException when a file is corrupt, the counts differ or a label is outside {@code 0..numClasses-1}
     */
    public static ByteImageDataset load(Path images, Path labels, int numClasses) throws IOException {
        Idx.Array im = Idx.read(images, 3);
        Idx.Array lb = Idx.read(labels, 1);
        if (im.count() != lb.count()) {
            throw new IOException(images + " holds " + im.count() + " images but " + labels + " holds "
                    + lb.count() + " labels");
        }
        byte[] lbytes = lb.data();
        int[] l = new int[lbytes.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = lbytes[i] & 0xff;
            if (l[i] >= numClasses) {
                throw new IOException(labels + ": label " + l[i] + " at index " + i + " is outside 0.."
                        + (numClasses - 1));
            }
        }
        int[] d = im.dims();
        return new ByteImageDataset(im.data(), l, numClasses, 1, d[1], d[2]);
    }
}
