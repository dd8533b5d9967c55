package org.simdcnn.viz;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.imageio.ImageIO;

/**
 * A white RGB image with a {@link Graphics2D}, headless. Text is drawn with the JDK's logical sans-serif font;
 * on a system without any font (some minimal containers) text rendering throws, and the canvas then silently draws
 * no text ({@link #textWorks()} says which), so pictures are still produced.
 */
final class Canvas {
    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private static volatile Boolean textWorks;

    final BufferedImage image;
    final Graphics2D g;

    Canvas(int width, int height) {
        image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    }

    /** Whether this JVM can render text (probed once). */
    static boolean textWorks() {
        Boolean w = textWorks;
        if (w == null) {
            try {
                BufferedImage probe = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
                Graphics2D pg = probe.createGraphics();
                pg.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
                pg.drawString("x", 0, 7);
                pg.getFontMetrics().stringWidth("x");
                pg.dispose();
                w = Boolean.TRUE;
            } catch (Throwable t) {
                w = Boolean.FALSE;
            }
            textWorks = w;
        }
        return w;
    }

    /** Draws {@code s} anchored at {@code x} (align -1: left end, 0: centre, 1: right end), baseline {@code y}. */
    void text(String s, int x, int y, int size, boolean bold, Color color, int align) {
        if (!textWorks()) {
            return;
        }
        try {
            g.setFont(new Font(Font.SANS_SERIF, bold ? Font.BOLD : Font.PLAIN, size));
            FontMetrics fm = g.getFontMetrics();
            int w = fm.stringWidth(s);
            int x0 = align < 0 ? x : align == 0 ? x - w / 2 : x - w;
            g.setColor(color);
            g.drawString(s, x0, y);
        } catch (Throwable t) {
            textWorks = Boolean.FALSE;
        }
    }

    /** Draws {@code s} rotated 90 degrees counter-clockwise, centred on {@code (x, y)}. */
    void verticalText(String s, int x, int y, int size, Color color) {
        if (!textWorks()) {
            return;
        }
        Graphics2D r = (Graphics2D) g.create();
        try {
            r.translate(x, y);
            r.rotate(-Math.PI / 2);
            r.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
            int w = r.getFontMetrics().stringWidth(s);
            r.setColor(color);
            r.drawString(s, -w / 2, 0);
        } catch (Throwable t) {
            textWorks = Boolean.FALSE;
        } finally {
            r.dispose();
        }
    }

    /** Draws {@code s} rotated 90 degrees counter-clockwise, its end at {@code (x, y)} and running downwards. */
    void verticalTextDown(String s, int x, int y, int size, Color color) {
        if (!textWorks()) {
            return;
        }
        Graphics2D r = (Graphics2D) g.create();
        try {
            r.translate(x, y);
            r.rotate(-Math.PI / 2);
            r.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
            int w = r.getFontMetrics().stringWidth(s);
            r.setColor(color);
            r.drawString(s, -w, 0);
        } catch (Throwable t) {
            textWorks = Boolean.FALSE;
        } finally {
            r.dispose();
        }
    }

    /** Writes the image as PNG, atomically (temporary file then rename); creates parent directories. */
    void write(Path file) throws IOException {
        g.dispose();
        Path abs = file.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path tmp = Files.createTempFile(abs.getParent(), abs.getFileName().toString(), ".tmp");
        try {
            if (!ImageIO.write(image, "png", tmp.toFile())) {
                throw new IOException("no PNG writer in this JDK");
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A diverging colour for {@code v} in [-1, 1]: blue (negative), white (0), red (positive). */
    static Color diverging(float v) {
        float t = Math.max(-1f, Math.min(1f, v));
        if (t >= 0) {
            int c = Math.round(255 * (1 - t));
            return new Color(255, c, c);
        }
        int c = Math.round(255 * (1 + t));
        return new Color(c, c, 255);
    }

    /** A gray level for {@code v} in [0, 1] (0 black). */
    static int gray(float v) {
        int c = Math.round(255 * Math.max(0f, Math.min(1f, v)));
        return 0xff000000 | (c << 16) | (c << 8) | c;
    }
}
