package org.simdcnn.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.simdcnn.SimdCnn;
import org.simdcnn.data.Batch;
import org.simdcnn.data.DataLoader;
import org.simdcnn.data.Dataset;
import org.simdcnn.data.Datasets;
import org.simdcnn.data.FashionMnist;
import org.simdcnn.data.Transform;
import org.simdcnn.data.Transforms;
import org.simdcnn.io.SafeTensors;
import org.simdcnn.nn.CrossEntropyLoss;
import org.simdcnn.nn.Init;
import org.simdcnn.nn.Models;
import org.simdcnn.nn.Module;
import org.simdcnn.nn.Parameter;
import org.simdcnn.optim.Adam;
import org.simdcnn.optim.CosineAnnealingLR;
import org.simdcnn.tensor.Tensor;
import org.simdcnn.viz.Plots;

/**
 * {@code simdcnn train} and {@code simdcnn eval}: the seed's CNN ({@link Models#mnistCnn()}) on Fashion-MNIST with
 * Adam and cross-entropy, a progress bar, held-out accuracy, a confusion matrix, the weights as safetensors and
 * PNG pictures. The learning rate is annealed per step along a cosine from {@code --lr} to 0 over the whole run
 * (PyTorch's {@code CosineAnnealingLR} with {@code T_max} = all steps); defaults: 4 epochs, batch 64, lr 0.002.
 *
 * <p><b>Data.</b> Without {@code --data}: the embedded test split ({@link FashionMnist#DEFAULT_DIR}), permuted with
 * the fixed seed {@link #SPLIT_SEED}; the first {@code trainSize} images train, the last {@code testSize} are held
 * out (so {@code eval} sees the same held-out images whatever the training size or seed). With {@code --data DIR}:
 * the training files train and the t10k files test (sizes, when given, take seeded random subsets).
 * Images are scaled to [0,1] and normalised with Fashion-MNIST's mean and standard deviation.
 */
public final class Train {
    /** Seed of the fixed permutation that splits the embedded data. */
    public static final long SPLIT_SEED = 20170825L;
    static final int DEFAULT_TRAIN = 8000;
    static final int DEFAULT_TEST = 2000;
    static final int DEFAULT_EPOCHS = 4;
    static final int DEFAULT_BATCH = 64;
    static final float DEFAULT_LR = 2e-3f;
    static final int EVAL_BATCH = 250;
    static final String WEIGHTS_FILE = "model.safetensors";

    private static final Set<String> TRAIN_VALUED = Set.of("data", "epochs", "batch", "lr", "threads", "seed", "out",
            "train-size", "test-size", "dataset");
    private static final Set<String> EVAL_VALUED = Set.of("weights", "data", "threads", "out", "test-size",
            "dataset");

    /** Which MNIST-format data set: class names and normalisation statistics. */
    public enum Kind {
        FASHION_MNIST("fashion-mnist", FashionMnist.CLASS_NAMES, FashionMnist.MEAN, FashionMnist.STD),
        MNIST("mnist", List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), 0.1307f, 0.3081f);

        final String id;
        final List<String> names;
        final float mean;
        final float std;

        Kind(String id, List<String> names, float mean, float std) {
            this.id = id;
            this.names = names;
            this.mean = mean;
            this.std = std;
        }

        static Kind parse(String s, String where) {
            for (Kind k : values()) {
                if (k.id.equals(s)) {
                    return k;
                }
            }
            throw new UsageException(where + "--dataset must be fashion-mnist or mnist, got '" + s + "'");
        }

        /** Scaling to [0,1] is done by the dataset; this normalises with the data set's mean and std. */
        Transform normalize() {
            return Transforms.normalize(mean, std);
        }
    }

    private Train() {
    }

    /**
     * What {@code train} does.
     *
     * @param dataDir full data set directory, or null for the embedded split
     * @param trainSize training images (0: the default, all of the training files with {@code dataDir})
     * @param testSize held-out images (0: the default, all t10k images with {@code dataDir})
     * @param threads kernel threads (0: leave the library's setting)
     * @param out output directory, or null to write nothing
     * @param pictures whether to write the PNGs
     */
    public record Config(Path dataDir, int epochs, int batch, float lr, int threads, long seed, boolean augment,
            Path out, int trainSize, int testSize, boolean pictures, Kind kind) {
    }

    /** The outcome of a training run. */
    public record Result(double heldOutAccuracy, int[][] confusion, double seconds, double imagesPerSecond,
            List<Double> epochAccuracy) {
    }

    static void train(List<String> args, PrintStream out) throws IOException {
        Options o = Options.parse("train", args, TRAIN_VALUED, Set.of("augment", "no-pictures"));
        Config c = new Config(o.path("data", null), o.integer("epochs", DEFAULT_EPOCHS, 1, 1000),
                o.integer("batch", DEFAULT_BATCH, 1, 65536), o.positiveFloat("lr", DEFAULT_LR, 10f),
                o.integer("threads", 0, 1, 1024), o.longValue("seed", 0L), o.has("augment"),
                o.path("out", Path.of("out")), o.integer("train-size", 0, 1, Integer.MAX_VALUE),
                o.integer("test-size", 0, 1, Integer.MAX_VALUE), !o.has("no-pictures"),
                Kind.parse(o.string("dataset", Kind.FASHION_MNIST.id), "train: "));
        if (c.kind() != Kind.FASHION_MNIST && c.dataDir() == null) {
            throw new UsageException("train: --dataset " + c.kind().id + " needs --data DIR (the embedded data is "
                    + "Fashion-MNIST)");
        }
        run(c, out);
    }

    /** The two parts of the data. */
    record Data(Dataset train, Dataset test, String description) {
    }

    static Data data(Path dir, int trainSize, int testSize, boolean needTrain) throws IOException {
        if (dir == null) {
            Path d = FashionMnist.DEFAULT_DIR;
            if (!Files.isDirectory(d)) {
                throw new UsageException("the embedded data directory " + d + " is missing (run from the repository"
                        + " root, where data/fashion-mnist is, or give --data DIR)");
            }
            Dataset all = FashionMnist.test(d);
            int tr = !needTrain ? 0 : trainSize == 0 ? DEFAULT_TRAIN : trainSize;
            int te = testSize == 0 ? DEFAULT_TEST : testSize;
            if ((long) tr + te > all.size()) {
                throw new UsageException("--train-size " + tr + " plus --test-size " + te + " exceed the "
                        + all.size() + " embedded images");
            }
            int[] p = Datasets.permutation(all.size(), new SplittableRandom(SPLIT_SEED));
            int[] trainIdx = java.util.Arrays.copyOfRange(p, 0, tr);
            int[] testIdx = java.util.Arrays.copyOfRange(p, all.size() - te, all.size());
            return new Data(all.subset(trainIdx), all.subset(testIdx), "embedded Fashion-MNIST test split ("
                    + d + "): " + (needTrain ? tr + " training, " : "") + te + " held-out images");
        }
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "--data: no such directory");
        }
        Dataset test = FashionMnist.test(dir);
        if (!needTrain) {
            if (testSize > test.size()) {
                throw new UsageException("--test-size " + testSize + " exceeds the " + test.size() + " test images in "
                        + dir);
            }
            if (testSize > 0) {
                test = Datasets.sample(test, testSize, SPLIT_SEED + 1);
            }
            return new Data(null, test, dir + ": " + test.size() + " test images");
        }
        Dataset train = FashionMnist.hasTrain(dir) ? FashionMnist.train(dir) : null;
        if (train == null) {
            throw new UsageException("--data " + dir + ": no train-images-idx3-ubyte(.gz) and "
                    + "train-labels-idx1-ubyte(.gz) there (for the embedded test split alone, omit --data)");
        }
        if (trainSize > train.size() || testSize > test.size()) {
            throw new UsageException("--train-size/--test-size exceed the " + train.size() + " training / "
                    + test.size() + " test images in " + dir);
        }
        if (trainSize > 0) {
            train = Datasets.sample(train, trainSize, SPLIT_SEED);
        }
        if (testSize > 0) {
            test = Datasets.sample(test, testSize, SPLIT_SEED + 1);
        }
        return new Data(train, test, dir + ": " + train.size() + " training, " + test.size() + " test images");
    }

    /** Trains as {@code c} says, printing progress to {@code out}; returns the held-out result. */
    public static Result run(Config c, PrintStream out) throws IOException {
        if (c.threads() > 0) {
            SimdCnn.setThreads(c.threads());
        }
        Data data = data(c.dataDir(), c.trainSize(), c.testSize(), true);
        if (c.out() != null) {
            Files.createDirectories(c.out());
        }
        SimdCnn.Info info = SimdCnn.info();
        out.println("simdcnn train: " + data.description());
        out.println(String.format(Locale.ROOT, "backend %s (%d-bit vectors), %d threads; epochs %d, batch %d, "
                + "Adam lr %s (cosine to 0), seed %d%s", info.backend(), info.vectorBits(), info.threads(),
                c.epochs(), c.batch(), Float.toString(c.lr()), c.seed(), c.augment() ? ", augmentation on" : ""));

        Init.manualSeed(c.seed());
        Module model = Models.mnistCnn();
        CrossEntropyLoss lossFn = new CrossEntropyLoss();
        Adam opt = new Adam(model.parameters(), c.lr());
        Transform t = c.augment() ? Transforms.standardAugmentation().andThen(c.kind().normalize())
                : c.kind().normalize();
        List<double[]> curve = new ArrayList<>();
        List<double[]> heldOut = new ArrayList<>();
        List<Double> epochAcc = new ArrayList<>();
        long seen = 0;
        double trainSeconds = 0;
        int[][] confusion = null;
        double acc = 0;
        try (DataLoader loader = DataLoader.builder(data.train()).batchSize(c.batch()).shuffle(true).seed(c.seed())
                .dropLast(data.train().size() >= c.batch()).transform(t).build()) {
            int total = loader.batchesPerEpoch();
            CosineAnnealingLR schedule = new CosineAnnealingLR(opt, Math.max(1, total * c.epochs()));
            int every = Math.max(1, total / 25);
            for (int e = 0; e < c.epochs(); e++) {
                model.train();
                Progress bar = new Progress(out, String.format(Locale.ROOT, "epoch %d/%d", e + 1, c.epochs()), total,
                        200_000_000L);
                double lossSum = 0;
                long correct = 0;
                long count = 0;
                double winLoss = 0;
                long winCorrect = 0;
                long winCount = 0;
                int k = 0;
                try (DataLoader.Epoch ep = loader.epoch(e)) {
                    while (ep.hasNext()) {
                        Batch b = ep.next();
                        opt.zeroGrad();
                        Tensor logits = model.forward(b.images());
                        float loss = lossFn.forward(logits, b.labels());
                        model.backwardParameters(lossFn.backward());
                        opt.step();
                        schedule.step();
                        int right = correct(logits, b.labels());
                        int n = b.size();
                        lossSum += (double) loss * n;
                        correct += right;
                        count += n;
                        winLoss += (double) loss * n;
                        winCorrect += right;
                        winCount += n;
                        k++;
                        if (k % every == 0 || k == total) {
                            curve.add(new double[] {e + (double) k / total, winLoss / winCount,
                                (double) winCorrect / winCount});
                            winLoss = 0;
                            winCorrect = 0;
                            winCount = 0;
                        }
                        bar.update(k, lossSum / count, (double) correct / count, count);
                    }
                }
                trainSeconds += bar.elapsedSeconds();
                seen += count;
                Evaluation ev = evaluate(model, data.test(), lossFn, c.kind());
                confusion = ev.confusion;
                acc = ev.accuracy();
                epochAcc.add(acc);
                heldOut.add(new double[] {e + 1, ev.loss, acc});
                out.println(String.format(Locale.ROOT, "  held-out: loss %.4f, accuracy %.2f%% (%d images)", ev.loss,
                        100 * acc, ev.count));
            }
        }
        double ips = trainSeconds > 0 ? seen / trainSeconds : 0;
        out.println(String.format(Locale.ROOT, "trained %d images in %.1f s (%.0f images/s)", seen, trainSeconds, ips));
        out.println(String.format(Locale.ROOT, "held-out accuracy: %.2f%%", 100 * acc));
        out.print(confusionTable(confusion, c.kind().names));
        if (c.out() != null) {
            Path w = c.out().resolve(WEIGHTS_FILE);
            SafeTensors.save(model.stateDict(), Map.of("format", "pt", "dataset", c.kind().id), w);
            writeMetrics(c.out().resolve("metrics.csv"), curve, heldOut);
            out.println("wrote " + w + " and " + c.out().resolve("metrics.csv"));
            if (c.pictures()) {
                List<Path> pngs = pictures(c.out(), model, data.test(), curve, heldOut, confusion, c.kind());
                out.println("wrote " + pngs.stream().map(Path::toString).reduce((a, b) -> a + ", " + b).orElse(""));
            }
        }
        return new Result(acc, confusion, trainSeconds, ips, epochAcc);
    }

    static void eval(List<String> args, PrintStream out) throws IOException {
        Options o = Options.parse("eval", args, EVAL_VALUED, Set.of());
        if (!o.has("weights")) {
            throw new UsageException("eval: --weights FILE is required");
        }
        Path weights = o.path("weights", null);
        if (!Files.isRegularFile(weights)) {
            throw new NoSuchFileException(weights.toString(), null, "--weights: no such file");
        }
        int threads = o.integer("threads", 0, 1, 1024);
        if (threads > 0) {
            SimdCnn.setThreads(threads);
        }
        Path outDir = o.path("out", null);
        Module model = Models.mnistCnn();
        String fromFile;
        try {
            fromFile = SafeTensors.header(weights).metadata().get("dataset");
            SafeTensors.load(model, weights);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--weights " + weights + ": " + e.getMessage(), e);
        }
        Kind kind = Kind.parse(o.string("dataset", fromFile != null ? fromFile : Kind.FASHION_MNIST.id), "eval: ");
        Data data = data(o.path("data", null), 0, o.integer("test-size", 0, 1, Integer.MAX_VALUE), false);
        Evaluation ev = evaluate(model, data.test(), new CrossEntropyLoss(), kind);
        out.println("simdcnn eval: " + weights + " on " + data.description());
        out.println(String.format(Locale.ROOT, "accuracy: %.2f%% (%d images), loss %.4f", 100 * ev.accuracy(),
                ev.count, ev.loss));
        out.print(confusionTable(ev.confusion, kind.names));
        if (outDir != null) {
            Path p = outDir.resolve("confusion-eval.png");
            Plots.confusionMatrix(p, ev.confusion, kind.names, String.format(Locale.ROOT,
                    "Confusion matrix, accuracy %.2f%%", 100 * ev.accuracy()));
            out.println("wrote " + p);
        }
    }

    /** Held-out metrics. */
    record Evaluation(double loss, long correct, long count, int[][] confusion) {
        double accuracy() {
            return count == 0 ? 0 : (double) correct / count;
        }
    }

    /** Accuracy, mean loss and the confusion matrix of {@code model} on {@code data} (eval mode, normalised). */
    static Evaluation evaluate(Module model, Dataset data, CrossEntropyLoss lossFn, Kind kind) {
        model.eval();
        int k = FashionMnist.NUM_CLASSES;
        int[][] conf = new int[k][k];
        double lossSum = 0;
        long correct = 0;
        long count = 0;
        try (DataLoader loader = DataLoader.builder(data).batchSize(EVAL_BATCH).shuffle(false)
                .transform(kind.normalize()).build()) {
            for (DataLoader.Epoch ep = loader.epoch(0); ep.hasNext();) {
                Batch b = ep.next();
                Tensor logits = model.forward(b.images());
                lossSum += (double) lossFn.forward(logits, b.labels()) * b.size();
                int[] pred = argmax(logits);
                for (int i = 0; i < pred.length; i++) {
                    int truth = b.labels()[i];
                    if (truth < k && pred[i] < k) {
                        conf[truth][pred[i]]++;
                    }
                    if (pred[i] == truth) {
                        correct++;
                    }
                }
                count += b.size();
            }
        }
        return new Evaluation(count == 0 ? 0 : lossSum / count, correct, count, conf);
    }

    /** Row-wise argmax of {@code (B, K)} logits (first maximum wins). */
    static int[] argmax(Tensor logits) {
        int b = logits.dim(0);
        int k = logits.size() / Math.max(1, b);
        float[] d = logits.data();
        int off = logits.offset();
        int[] out = new int[b];
        for (int i = 0; i < b; i++) {
            int best = 0;
            float bv = d[off + i * k];
            for (int j = 1; j < k; j++) {
                float v = d[off + i * k + j];
                if (v > bv) {
                    bv = v;
                    best = j;
                }
            }
            out[i] = best;
        }
        return out;
    }

    private static int correct(Tensor logits, int[] labels) {
        int[] p = argmax(logits);
        int n = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] == labels[i]) {
                n++;
            }
        }
        return n;
    }

    /** The confusion matrix as a text table: rows true class, columns predicted, with per-class accuracy. */
    static String confusionTable(int[][] m, List<String> names) {
        StringBuilder sb = new StringBuilder("confusion matrix (rows: true class, columns: predicted)\n");
        int k = m.length;
        sb.append(String.format(Locale.ROOT, "%12s", ""));
        for (int j = 0; j < k; j++) {
            sb.append(String.format(Locale.ROOT, "%6s", abbreviation(names.get(j))));
        }
        sb.append("  correct\n");
        for (int i = 0; i < k; i++) {
            sb.append(String.format(Locale.ROOT, "%12s", names.get(i)));
            long row = 0;
            for (int j = 0; j < k; j++) {
                sb.append(String.format(Locale.ROOT, "%6d", m[i][j]));
                row += m[i][j];
            }
            sb.append(String.format(Locale.ROOT, "  %6.1f%%%n", row == 0 ? 0.0 : 100.0 * m[i][i] / row));
        }
        return sb.toString();
    }

    private static String abbreviation(String name) {
        String s = name.replace("T-shirt/top", "Tshirt").replace("Ankle boot", "Boot");
        return s.length() > 5 ? s.substring(0, 5) : s;
    }

    private static void writeMetrics(Path file, List<double[]> curve, List<double[]> heldOut) throws IOException {
        StringBuilder sb = new StringBuilder("kind,epoch,loss,accuracy\n");
        for (double[] r : curve) {
            sb.append(String.format(Locale.ROOT, "train,%.4f,%.6f,%.6f%n", r[0], r[1], r[2]));
        }
        for (double[] r : heldOut) {
            sb.append(String.format(Locale.ROOT, "heldout,%.0f,%.6f,%.6f%n", r[0], r[1], r[2]));
        }
        Files.writeString(file, sb);
    }

    private static List<Path> pictures(Path dir, Module model, Dataset test, List<double[]> curve,
            List<double[]> heldOut, int[][] confusion, Kind kind) throws IOException {
        List<Path> written = new ArrayList<>();
        double[][] tr = columns(curve);
        double[][] ho = columns(heldOut);
        Path curves = dir.resolve("curves.png");
        Plots.lineCharts(curves, List.of(
                new Plots.Panel("Loss", "epoch", "cross-entropy", List.of(
                        new Plots.Series("training", tr[0], tr[1], false),
                        new Plots.Series("held-out", ho[0], ho[1], true)), 0, Double.NaN),
                new Plots.Panel("Accuracy", "epoch", "accuracy (%)", List.of(
                        new Plots.Series("training", tr[0], percent(tr[2]), false),
                        new Plots.Series("held-out", ho[0], percent(ho[2]), true)), Double.NaN, 100)));
        written.add(curves);
        Map<String, Parameter> params = model.namedParameters();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Tensor w = e.getValue().data();
            if (w.rank() == 4) {
                Path f = dir.resolve("filters.png");
                Plots.filters(f, w, "First-layer filters (" + e.getKey() + ", " + w.dim(0) + " x " + w.dim(2) + "x"
                        + w.dim(3) + ")");
                written.add(f);
                break;
            }
        }
        // feature maps of the first held-out image after each convolution (+ its activation)
        model.eval();
        Dataset one = test;
        Tensor x = one.get(0).image();
        int label = one.get(0).label();
        kind.normalize().apply(x, new SplittableRandom(0));
        Tensor input = x.copy();
        Tensor h = x.reshape(1, x.dim(0), x.dim(1), x.dim(2));
        List<String> titles = new ArrayList<>();
        List<Tensor> maps = new ArrayList<>();
        String pending = null;
        for (Map.Entry<String, Module> e : model.children().entrySet()) {
            Module m = e.getValue();
            String type = m.getClass().getSimpleName();
            h = m.forward(h);
            if (pending != null && h.rank() == 4) {
                titles.add(pending + " + " + type + " (layer " + e.getKey() + "): " + h.dim(1) + " maps "
                        + h.dim(2) + "x" + h.dim(3));
                maps.add(h.select0(0).copy());
                pending = null;
            } else if (type.startsWith("Conv") && h.rank() == 4) {
                pending = type + " (layer " + e.getKey() + ")";
            }
        }
        Path f = dir.resolve("feature-maps.png");
        Plots.featureMaps(f, "What the CNN sees: one held-out image (\"" + kind.names.get(label)
                + "\") after each conv layer",
                input, titles, maps);
        written.add(f);
        Path cm = dir.resolve("confusion.png");
        long right = 0;
        long all = 0;
        for (int i = 0; i < confusion.length; i++) {
            for (int j = 0; j < confusion.length; j++) {
                all += confusion[i][j];
                right += i == j ? confusion[i][j] : 0;
            }
        }
        Plots.confusionMatrix(cm, confusion, kind.names, String.format(Locale.ROOT,
                "Held-out confusion matrix, accuracy %.2f%%", all == 0 ? 0.0 : 100.0 * right / all));
        written.add(cm);
        return written;
    }

    private static double[][] columns(List<double[]> rows) {
        int w = rows.isEmpty() ? 3 : rows.get(0).length;
        double[][] c = new double[w][rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            for (int j = 0; j < w; j++) {
                c[j][i] = rows.get(i)[j];
            }
        }
        return c;
    }

    private static double[] percent(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = 100 * v[i];
        }
        return r;
    }
}
