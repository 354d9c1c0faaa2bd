package io.jgrad.cli;

/**
 * One test example the model got wrong, for the report's image grid. {@code pixels} are intensities in
 * [0, 1], row-major: {@code height * width} values for a grayscale image, or {@code 3 * height * width}
 * (channel-major RGB, as the data sets store them) for a color one. {@code confidence} is the model's score for
 * {@code predictedClass} as {@code jgrad predict} shows it (a probability for cross-entropy and BCE). The array is
 * not copied.
 */
record Misclassified(float[] pixels, int height, int width, int trueClass, int predictedClass,
                     double confidence) {
    Misclassified {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("Misclassified: image size must be positive, got "
                    + height + "x" + width);
        }
        long plane = (long) height * width;
        if (pixels == null || (pixels.length != plane && pixels.length != 3 * plane)) {
            throw new IllegalArgumentException("Misclassified: a " + height + "x" + width + " image needs "
                    + plane + " (gray) or " + 3 * plane + " (RGB) pixels, got "
                    + (pixels == null ? "null" : pixels.length));
        }
    }

    /** 1 for grayscale, 3 for RGB. */
    int channels() {
        return pixels.length / (height * width);
    }
}
