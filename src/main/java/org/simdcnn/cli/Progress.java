package org.simdcnn.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar redrawn with carriage returns (no ANSI codes):
 * {@code epoch 2/3 [##########----------] 63/125 loss 0.4123 acc 85.2% 3120 img/s ETA 4s}. Redraws at most every
 * {@code minIntervalNanos} (the last batch always), so a log file stays small.
 */
final class Progress {
    private static final int WIDTH = 24;

    private final PrintStream out;
    private final String label;
    private final int total;
    private final long minIntervalNanos;
    private final long start = System.nanoTime();
    private long lastDraw = Long.MIN_VALUE;
    private int lastLength;

    Progress(PrintStream out, String label, int total, long minIntervalNanos) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.minIntervalNanos = minIntervalNanos;
    }

    /** Seconds since this bar was created. */
    double elapsedSeconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Shows {@code done} of {@code total} batches with the running loss and accuracy and {@code images} seen. */
    void update(int done, double loss, double accuracy, long images) {
        long now = System.nanoTime();
        if (done < total && lastDraw != Long.MIN_VALUE && now - lastDraw < minIntervalNanos) {
            return;
        }
        lastDraw = now;
        double secs = (now - start) / 1e9;
        double rate = secs > 0 ? images / secs : 0;
        double eta = done > 0 ? secs * (total - done) / done : Double.NaN;
        int filled = total == 0 ? WIDTH : (int) ((long) WIDTH * done / total);
        String bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
        String line = String.format(Locale.ROOT, "%s [%s] %d/%d loss %.4f acc %5.1f%% %6.0f img/s %s", label, bar,
                done, total, loss, 100 * accuracy, rate, done < total ? "ETA " + time(eta) : "in " + time(secs));
        StringBuilder sb = new StringBuilder("\r").append(line);
        if (line.length() < lastLength) {
            sb.append(" ".repeat(lastLength - line.length()));
        }
        lastLength = line.length();
        out.print(sb);
        if (done >= total) {
            out.println();
        }
        out.flush();
    }

    static String time(double secs) {
        if (Double.isNaN(secs)) {
            return "?";
        }
        if (secs < 60) {
            return String.format(Locale.ROOT, "%.0fs", secs);
        }
        return String.format(Locale.ROOT, "%dm%02ds", (long) secs / 60, (long) secs % 60);
    }
}
