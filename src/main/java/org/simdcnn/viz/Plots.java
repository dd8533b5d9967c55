package org.simdcnn.viz;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.simdcnn.tensor.Tensor;

/**
 * PNG pictures of training (headless {@code java.awt} + {@code javax.imageio}, no dependency): curves, filters,
 * feature maps and a confusion matrix. All methods validate their inputs and throw
 * {@link IllegalArgumentException} naming the parameter.
 */
public final class Plots {
    private static final Color[] PALETTE = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
        new Color(214, 39, 40), new Color(148, 103, 189)};
    private static final Color AXIS = new Color(60, 60, 60);
    private static final Color GRID = new Color(225, 225, 225);

    private Plots() {
    }

    /**
     * One line of a chart.
     *
     * @param name legend text
     * @param x x values (increasing)
     * @param y y values, same length
     * @param markers whether to draw a dot at each point
     */
    public record Series(String name, double[] x, double[] y, boolean markers) {
        public Series {
            if (name == null || x == null || y == null || x.length != y.length) {
                throw new IllegalArgumentException("series: name, x and y must be non-null and x, y of equal length");
            }
        }
    }

    /** One panel: a title, axis labels, series, and an optional fixed y range (NaN for automatic). */
    public record Panel(String title, String xLabel, String yLabel, List<Series> series, double yMin, double yMax) {
        public Panel {
            if (series == null || series.isEmpty()) {
                throw new IllegalArgumentException("panel: needs at least one series");
            }
            series = List.copyOf(series);
        }
    }

    /**
     * Writes panels side by side (e.g. loss and accuracy curves) to {@code file}. The x axis starts at 0 when every
     * x is non-negative (epochs, steps); ticks fall on round values.
     */
    public static void lineCharts(Path file, List<Panel> panels) throws IOException {
        if (panels == null || panels.isEmpty()) {
            throw new IllegalArgumentException("panels: needs at least one panel");
        }
        int pw = 460;
        int ph = 340;
        Canvas c = new Canvas(pw * panels.size(), ph);
        for (int p = 0; p < panels.size(); p++) {
            drawPanel(c, panels.get(p), p * pw, 0, pw, ph);
        }
        c.write(file);
    }

    private static void drawPanel(Canvas c, Panel panel, int ox, int oy, int w, int h) {
        int left = ox + 62;
        int right = ox + w - 16;
        int top = oy + 34;
        int bottom = oy + h - 46;
        double xmin = Double.POSITIVE_INFINITY;
        double xmax = Double.NEGATIVE_INFINITY;
        double ymin = Double.POSITIVE_INFINITY;
        double ymax = Double.NEGATIVE_INFINITY;
        for (Series s : panel.series()) {
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
                    xmin = Math.min(xmin, s.x()[i]);
                    xmax = Math.max(xmax, s.x()[i]);
                    ymin = Math.min(ymin, s.y()[i]);
                    ymax = Math.max(ymax, s.y()[i]);
                }
            }
        }
        if (!Double.isFinite(xmin)) {
            xmin = 0;
            xmax = 1;
            ymin = 0;
            ymax = 1;
        }
        if (xmin >= 0) {
            xmin = 0;
        }
        if (!Double.isNaN(panel.yMin())) {
            ymin = panel.yMin();
        }
        if (!Double.isNaN(panel.yMax())) {
            ymax = panel.yMax();
        }
        if (xmax <= xmin) {
            xmax = xmin + 1;
        }
        if (ymax <= ymin) {
            ymax = ymin + 1;
        }
        double ystep = niceStep((ymax - ymin) / 5);
        if (Double.isNaN(panel.yMin())) {
            ymin = Math.floor(ymin / ystep) * ystep;
        }
        if (Double.isNaN(panel.yMax())) {
            ymax = Math.ceil(ymax / ystep) * ystep;
        }
        if (ymax <= ymin) {
            ymax = ymin + ystep;
        }
        c.text(panel.title(), ox + w / 2, oy + 22, 15, true, Color.BLACK, 0);
        // grid and ticks at round values
        double y0 = Math.ceil(ymin / ystep - 1e-9) * ystep;
        for (int i = 0; y0 + i * ystep <= ymax + 1e-9 * ystep; i++) {
            double v = y0 + i * ystep;
            int y = (int) Math.round(bottom - (bottom - top) * (v - ymin) / (ymax - ymin));
            c.g.setColor(GRID);
            c.g.drawLine(left, y, right, y);
            c.text(format(v, ystep), left - 6, y + 4, 11, false, AXIS, 1);
        }
        double xstep = niceStep((xmax - xmin) / 6);
        double x0 = Math.ceil(xmin / xstep - 1e-9) * xstep;
        for (int i = 0; x0 + i * xstep <= xmax + 1e-9 * xstep; i++) {
            double v = x0 + i * xstep;
            int x = (int) Math.round(left + (right - left) * (v - xmin) / (xmax - xmin));
            c.g.setColor(GRID);
            c.g.drawLine(x, top, x, bottom);
            c.text(format(v, xstep), x, bottom + 16, 11, false, AXIS, 0);
        }
        c.g.setColor(AXIS);
        c.g.drawRect(left, top, right - left, bottom - top);
        c.text(panel.xLabel(), (left + right) / 2, bottom + 34, 12, false, AXIS, 0);
        c.verticalText(panel.yLabel(), ox + 14, (top + bottom) / 2, 12, AXIS);
        // legend at the top right, or the bottom right when the curves end high
        double high = 0;
        int counted = 0;
        for (Series s : panel.series()) {
            for (int i = s.x().length * 2 / 3; i < s.x().length; i++) {
                if (Double.isFinite(s.y()[i])) {
                    high += (s.y()[i] - ymin) / (ymax - ymin);
                    counted++;
                }
            }
        }
        boolean legendLow = counted > 0 && high / counted > 0.6;
        int legendTop = legendLow ? bottom - 10 - 18 * panel.series().size() : top;
        // series
        int k = 0;
        for (Series s : panel.series()) {
            Color col = PALETTE[k % PALETTE.length];
            c.g.setColor(col);
            c.g.setStroke(new BasicStroke(2f));
            int px = Integer.MIN_VALUE;
            int py = 0;
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isFinite(s.x()[i]) || !Double.isFinite(s.y()[i])) {
                    px = Integer.MIN_VALUE;
                    continue;
                }
                int x = (int) Math.round(left + (right - left) * (s.x()[i] - xmin) / (xmax - xmin));
                double yc = Math.max(ymin, Math.min(ymax, s.y()[i]));
                int y = (int) Math.round(bottom - (bottom - top) * (yc - ymin) / (ymax - ymin));
                if (px != Integer.MIN_VALUE) {
                    c.g.drawLine(px, py, x, y);
                }
                if (s.markers()) {
                    c.g.fillOval(x - 4, y - 4, 9, 9);
                }
                px = x;
                py = y;
            }
            // legend
            int ly = legendTop + 16 + 18 * k;
            c.g.setStroke(new BasicStroke(2f));
            c.g.drawLine(right - 150, ly - 4, right - 128, ly - 4);
            if (s.markers()) {
                c.g.fillOval(right - 143, ly - 8, 9, 9);
            }
            c.text(s.name(), right - 122, ly, 12, false, Color.BLACK, -1);
            k++;
        }
        c.g.setStroke(new BasicStroke(1f));
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        if (!(raw > 0) || !Double.isFinite(raw)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / p;
        return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
    }

    private static String format(double v, double step) {
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        return String.format(Locale.ROOT, "%." + decimals + "f", Math.abs(v) < step * 1e-6 ? 0.0 : v);
    }

    /**
     * The filters of a convolution weight {@code (O, I, kh, kw)} as a grid of enlarged tiles (one per output
     * channel, input channels side by side), coloured blue (negative) - white - red (positive) on a common scale.
     */
    public static void filters(Path file, Tensor weight, String title) throws IOException {
        if (weight == null || weight.rank() != 4) {
            throw new IllegalArgumentException("weight: must have shape (O, I, kh, kw), got "
                    + (weight == null ? "null" : java.util.Arrays.toString(weight.shape())));
        }
        int o = weight.dim(0);
        int in = weight.dim(1);
        int kh = weight.dim(2);
        int kw = weight.dim(3);
        float max = 1e-12f;
        for (int i = 0; i < weight.size(); i++) {
            max = Math.max(max, Math.abs(weight.getFlat(i)));
        }
        int cell = Math.max(4, Math.min(24, 120 / Math.max(kh, kw)));
        int tileW = in * kw * cell + (in - 1) * 2;
        int tileH = kh * cell;
        int cols = Math.min(o, 8);
        int rows = (o + cols - 1) / cols;
        int gap = 10;
        int header = 40;
        int footer = 30;
        int width = Math.max(cols * (tileW + gap) + gap, 260);
        int height = header + rows * (tileH + gap + 14) + footer;
        Canvas c = new Canvas(width, height);
        c.text(title, width / 2, 24, 15, true, Color.BLACK, 0);
        for (int f = 0; f < o; f++) {
            int x0 = gap + (f % cols) * (tileW + gap);
            int y0 = header + (f / cols) * (tileH + gap + 14) + 14;
            c.text("#" + f, x0, y0 - 3, 10, false, AXIS, -1);
            for (int ci = 0; ci < in; ci++) {
                for (int y = 0; y < kh; y++) {
                    for (int x = 0; x < kw; x++) {
                        float v = weight.get(f, ci, y, x) / max;
                        c.g.setColor(Canvas.diverging(v));
                        c.g.fillRect(x0 + ci * (kw * cell + 2) + x * cell, y0 + y * cell, cell, cell);
                    }
                }
                c.g.setColor(AXIS);
                c.g.drawRect(x0 + ci * (kw * cell + 2), y0, kw * cell - 1, kh * cell - 1);
            }
        }
        c.text(String.format(Locale.ROOT, "blue < 0 < red, scale +-%.3f", max), width / 2, height - 10, 11, false,
                AXIS, 0);
        c.write(file);
    }

    /**
     * One input image and the feature maps after each layer: each row is a section with a title, maps scaled
     * individually to black (min) - white (max).
     *
     * @param input the input image {@code (C, H, W)} (first channel shown, scaled to its range)
     * @param titles a title per section
     * @param maps per section a tensor {@code (C, H, W)} of maps (batch dimension removed)
     */
    public static void featureMaps(Path file, String title, Tensor input, List<String> titles, List<Tensor> maps)
            throws IOException {
        if (input == null || input.rank() != 3 || titles == null || maps == null || titles.size() != maps.size()) {
            throw new IllegalArgumentException("featureMaps: input must be (C, H, W) and titles/maps of equal size");
        }
        for (Tensor m : maps) {
            if (m == null || m.rank() != 3) {
                throw new IllegalArgumentException("featureMaps: every map tensor must be (C, H, W)");
            }
        }
        int gap = 4;
        int cols = 16;
        int width = 0;
        int height = 50 + input.dim(1) * 4 + 30;
        int[] scales = new int[maps.size()];
        for (int s = 0; s < maps.size(); s++) {
            Tensor m = maps.get(s);
            scales[s] = Math.max(1, 56 / Math.max(m.dim(1), m.dim(2)));
            int rows = (m.dim(0) + cols - 1) / cols;
            width = Math.max(width, cols * (m.dim(2) * scales[s] + gap) + gap);
            height += 26 + rows * (m.dim(1) * scales[s] + gap);
        }
        width = Math.max(width, 400);
        height += 10;
        Canvas c = new Canvas(width, height);
        c.text(title, width / 2, 24, 15, true, Color.BLACK, 0);
        int y = 40;
        blit(c, input, 0, gap, y, 4);
        c.text("input " + input.dim(1) + "x" + input.dim(2), gap + input.dim(2) * 4 + 10, y + 20, 12, false, AXIS,
                -1);
        y += input.dim(1) * 4 + 16;
        for (int s = 0; s < maps.size(); s++) {
            Tensor m = maps.get(s);
            y += 20;
            c.text(titles.get(s), gap, y - 4, 12, true, Color.BLACK, -1);
            for (int ch = 0; ch < m.dim(0); ch++) {
                int x0 = gap + (ch % cols) * (m.dim(2) * scales[s] + gap);
                int y0 = y + (ch / cols) * (m.dim(1) * scales[s] + gap);
                blit(c, m, ch, x0, y0, scales[s]);
            }
            y += ((m.dim(0) + cols - 1) / cols) * (m.dim(1) * scales[s] + gap) + 6;
        }
        c.write(file);
    }

    private static void blit(Canvas c, Tensor maps, int ch, int x0, int y0, int scale) {
        int h = maps.dim(1);
        int w = maps.dim(2);
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float v = maps.get(ch, y, x);
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        float range = hi > lo ? hi - lo : 1f;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = Canvas.gray((maps.get(ch, y, x) - lo) / range);
                for (int dy = 0; dy < scale; dy++) {
                    for (int dx = 0; dx < scale; dx++) {
                        c.image.setRGB(x0 + x * scale + dx, y0 + y * scale + dy, rgb);
                    }
                }
            }
        }
    }

    /**
     * A confusion matrix {@code m[true][predicted]} as a heat map (shaded by the fraction of each true class) with
     * the counts and the class names.
     */
    public static void confusionMatrix(Path file, int[][] m, List<String> names, String title) throws IOException {
        if (m == null || names == null || m.length != names.size()) {
            throw new IllegalArgumentException("confusionMatrix: needs one row and one name per class");
        }
        int k = m.length;
        for (int[] row : m) {
            if (row == null || row.length != k) {
                throw new IllegalArgumentException("confusionMatrix: the matrix must be square " + k + "x" + k);
            }
        }
        int cell = 46;
        int left = 110;
        int top = 60;
        int width = left + k * cell + 20;
        int height = top + k * cell + 100;
        Canvas c = new Canvas(width, height);
        c.text(title, width / 2, 22, 15, true, Color.BLACK, 0);
        c.text("predicted", left + k * cell / 2, height - 12, 12, false, AXIS, 0);
        c.verticalText("true", 12, top + k * cell / 2, 12, AXIS);
        for (int t = 0; t < k; t++) {
            long rowSum = 0;
            for (int p = 0; p < k; p++) {
                rowSum += m[t][p];
            }
            for (int p = 0; p < k; p++) {
                float frac = rowSum == 0 ? 0f : (float) m[t][p] / rowSum;
                Color col = t == p ? blend(new Color(235, 245, 235), new Color(0, 110, 40), frac)
                        : blend(new Color(250, 250, 250), new Color(200, 30, 30), Math.min(1f, frac * 3));
                c.g.setColor(col);
                int x = left + p * cell;
                int y = top + t * cell;
                c.g.fillRect(x, y, cell, cell);
                c.g.setColor(new Color(200, 200, 200));
                c.g.drawRect(x, y, cell, cell);
                float lum = (col.getRed() * 0.299f + col.getGreen() * 0.587f + col.getBlue() * 0.114f) / 255f;
                c.text(Integer.toString(m[t][p]), x + cell / 2, y + cell / 2 + 5, 12, t == p,
                        lum < 0.5f ? Color.WHITE : Color.BLACK, 0);
            }
            c.text(names.get(t), left - 6, top + t * cell + cell / 2 + 5, 12, false, Color.BLACK, 1);
        }
        for (int p = 0; p < k; p++) {
            int x = left + p * cell + cell / 2;
            // column labels, rotated to fit
            c.verticalTextDown(names.get(p), x + 4, top + k * cell + 6, 11, Color.BLACK);
        }
        c.write(file);
    }

    private static Color blend(Color a, Color b, float t) {
        float u = Math.max(0f, Math.min(1f, t));
        return new Color(Math.round(a.getRed() + (b.getRed() - a.getRed()) * u),
                Math.round(a.getGreen() + (b.getGreen() - a.getGreen()) * u),
                Math.round(a.getBlue() + (b.getBlue() - a.getBlue()) * u));
    }
}
