package org.simdcnn.viz;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.simdcnn.tensor.Tensor;

/** Writes every kind of picture to {@code target/test-pngs} (kept for a look) and checks they hold a drawing. */
class PlotsTest {
    private static final Path DIR = Path.of("target", "test-pngs");
    private static final List<String> NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private static BufferedImage check(Path p, int minW, int minH) throws IOException {
        assertTrue(Files.size(p) > 200, p + " is not empty");
        BufferedImage im = ImageIO.read(p.toFile());
        assertTrue(im.getWidth() >= minW && im.getHeight() >= minH, p + " size " + im.getWidth() + "x"
                + im.getHeight());
        int white = 0;
        int colours = 0;
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int y = 0; y < im.getHeight(); y += 2) {
            for (int x = 0; x < im.getWidth(); x += 2) {
                int rgb = im.getRGB(x, y) & 0xffffff;
                if (rgb == 0xffffff) {
                    white++;
                }
                if (seen.add(rgb)) {
                    colours++;
                }
            }
        }
        assertTrue(colours > 10, p + " has a drawing (" + colours + " colours, " + white + " white samples)");
        return im;
    }

    @Test
    void curves() throws IOException {
        double[] x = new double[60];
        double[] loss = new double[60];
        double[] acc = new double[60];
        for (int i = 0; i < 60; i++) {
            x[i] = i / 20.0;
            loss[i] = 2.3 * Math.exp(-i / 10.0) + 0.3;
            acc[i] = 100 * (1 - Math.exp(-i / 8.0)) * 0.9;
        }
        Path p = DIR.resolve("curves.png");
        Plots.lineCharts(p, List.of(
                new Plots.Panel("Loss", "epoch", "cross-entropy", List.of(new Plots.Series("training", x, loss, false),
                        new Plots.Series("held-out", new double[] {1, 2, 3}, new double[] {0.6, 0.45, 0.4}, true)),
                        0, Double.NaN),
                new Plots.Panel("Accuracy", "epoch", "accuracy (%)", List.of(new Plots.Series("training", x, acc,
                        false)), Double.NaN, 100)));
        check(p, 800, 300);
        assertThrows(IllegalArgumentException.class, () -> Plots.lineCharts(p, List.of()));
    }

    @Test
    void filtersAndFeatureMaps() throws IOException {
        Path f = DIR.resolve("filters.png");
        Plots.filters(f, Tensor.randn(1, 32, 1, 3, 3), "First-layer filters");
        check(f, 200, 100);
        Tensor img = Tensor.zeros(1, 28, 28);
        for (int y = 6; y < 22; y++) {
            for (int x = 8; x < 20; x++) {
                img.set(1f, 0, y, x);
            }
        }
        Path m = DIR.resolve("feature-maps.png");
        Plots.featureMaps(m, "feature maps", img, List.of("conv1", "conv2"),
                List.of(Tensor.uniform(2, 0, 1, 32, 28, 28), Tensor.uniform(3, 0, 1, 64, 14, 14)));
        check(m, 400, 300);
        assertThrows(IllegalArgumentException.class, () -> Plots.filters(f, Tensor.zeros(3, 3), "x"));
    }

    @Test
    void confusion() throws IOException {
        int[][] cm = new int[10][10];
        for (int i = 0; i < 10; i++) {
            for (int j = 0; j < 10; j++) {
                cm[i][j] = i == j ? 170 + i : (i + j) % 5;
            }
        }
        Path p = DIR.resolve("confusion.png");
        Plots.confusionMatrix(p, cm, NAMES, "Confusion matrix");
        check(p, 400, 400);
        assertThrows(IllegalArgumentException.class, () -> Plots.confusionMatrix(p, new int[3][3], NAMES, "x"));
    }
}
