package io.jgrad.cli;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/**
 * A grid of misclassified images drawn with Java2D: up to {@value #MAX_IMAGES} images,
 * {@value #COLUMNS} per row, each scaled to fit a {@value #IMAGE_BOX}-pixel square (pixel-exact
 * when enlarged) and labeled "true 7 / pred 2 (0.81)" underneath, under a title that says what the images are
 * and what the label's numbers mean (the PNG is also opened on its own, away from the report's caption).
 */
final class MisclassifiedGrid {
    static {
        // Must precede the first AWT call: the CLI runs on servers without a display.
        System.setProperty("java.awt.headless", "true");
    }

    static final int MAX_IMAGES = 36;
    static final int COLUMNS = 6;
    static final int IMAGE_BOX = 112;
    static final int CELL_WIDTH = 150;
    static final int LABEL_HEIGHT = 22;
    static final int PADDING = 10;
    private static final int CELL_HEIGHT = IMAGE_BOX + LABEL_HEIGHT + PADDING;
    /** The title's two lines above the first row. */
    static final int TITLE_HEIGHT = 46;
    /** The narrowest grid, in cells: a grid of one or two images is widened so that its title fits. */
    static final int MIN_COLUMNS = 3;

    private MisclassifiedGrid() {
    }

    /** Width in pixels of the grid for {@code n} examples (only the first {@value #MAX_IMAGES} are drawn). */
    static int width(int n) {
        return 2 * PADDING + Math.max(MIN_COLUMNS, Math.min(Math.min(n, MAX_IMAGES), COLUMNS)) * CELL_WIDTH;
    }

    /** Height in pixels of the grid for {@code n} examples. */
    static int height(int n) {
        int rows = (Math.min(n, MAX_IMAGES) + COLUMNS - 1) / COLUMNS;
        return TITLE_HEIGHT + PADDING + rows * CELL_HEIGHT;
    }

    /**
     * The title's lines: which images these are ({@code set}: "test", "validation"; null: none named) and how to read
     * the label under each.
     */
    static List<String> title(String set) {
        return List.of("Misclassified " + (set == null ? "" : set + " ") + "images",
                "under each: true class / predicted class (the model's probability for the predicted class)");
    }

    /** The label under one image, e.g. "true 7 / pred 2 (0.81)". */
    static String label(Misclassified m) {
        return String.format(Locale.ROOT, "true %d / pred %d (%.2f)", m.trueClass(), m.predictedClass(),
                m.confidence());
    }

    static BufferedImage render(List<Misclassified> examples, String set) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("MisclassifiedGrid: no examples to draw; skip the grid instead");
        }
        int n = Math.min(examples.size(), MAX_IMAGES);
        BufferedImage grid = new BufferedImage(width(n), height(n), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            List<String> title = title(set);
            g.setColor(new Color(0x222222));
            drawFitted(g, title.get(0), Font.BOLD, 16, grid.getWidth(), 6);
            drawFitted(g, title.get(1), Font.PLAIN, 13, grid.getWidth(), 28);
            for (int i = 0; i < n; i++) {
                int x = PADDING + (i % COLUMNS) * CELL_WIDTH;
                int y = TITLE_HEIGHT + PADDING + (i / COLUMNS) * CELL_HEIGHT;
                drawCell(g, examples.get(i), x, y);
            }
        } finally {
            g.dispose();
        }
        return grid;
    }

    /** {@code text} centered with its top at {@code top}, in the largest size up to {@code size} that fits {@code width}. */
    private static void drawFitted(Graphics2D g, String text, int style, int size, int width, int top) {
        Font font;
        FontMetrics fm;
        do {
            font = new Font(Font.SANS_SERIF, style, size--);
            fm = g.getFontMetrics(font);
        } while (fm.stringWidth(text) > width - 2 * PADDING && size > 8);
        g.setFont(font);
        g.drawString(text, (width - fm.stringWidth(text)) / 2, top + fm.getAscent());
    }

    static byte[] png(List<Misclassified> examples, String set) {
        try {
            return ReportCharts.png(render(examples, set));
        } catch (IOException e) {
            throw new UncheckedIOException("MisclassifiedGrid: PNG encoding to memory failed", e);
        }
    }

    private static void drawCell(Graphics2D g, Misclassified m, int x, int y) {
        double scale = (double) IMAGE_BOX / Math.max(m.height(), m.width());
        int w = Math.max(1, (int) Math.round(m.width() * scale));
        int h = Math.max(1, (int) Math.round(m.height() * scale));
        int ix = x + (CELL_WIDTH - w) / 2;
        int iy = y + (IMAGE_BOX - h) / 2;
        // Enlarged digits stay crisp with nearest neighbor; shrunk photos need smoothing.
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, scale >= 1
                ? RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR : RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(toImage(m), ix, iy, w, h, null);
        g.setColor(new Color(0xbbbbbb));
        g.drawRect(ix - 1, iy - 1, w + 1, h + 1);

        String text = label(m);
        int size = 13;
        Font font;
        FontMetrics fm;
        do {
            font = new Font(Font.SANS_SERIF, Font.PLAIN, size--);
            fm = g.getFontMetrics(font);
        } while (fm.stringWidth(text) > CELL_WIDTH - 6 && size > 8);
        g.setFont(font);
        g.setColor(new Color(0x222222));
        g.drawString(text, x + (CELL_WIDTH - fm.stringWidth(text)) / 2, y + IMAGE_BOX + 4 + fm.getAscent());
    }

    /** Pixel values outside [0, 1] are clamped; NaN draws black. */
    private static BufferedImage toImage(Misclassified m) {
        int h = m.height();
        int w = m.width();
        int plane = h * w;
        float[] p = m.pixels();
        boolean rgb = m.channels() == 3;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                int i = r * w + c;
                int red = level(p[i]);
                int green = rgb ? level(p[plane + i]) : red;
                int blue = rgb ? level(p[2 * plane + i]) : red;
                img.setRGB(c, r, (red << 16) | (green << 8) | blue);
            }
        }
        return img;
    }

    private static int level(float v) {
        return Float.isNaN(v) ? 0 : Math.round(255 * Math.clamp(v, 0f, 1f));
    }
}
