package io.jgrad.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Pixels} with the Vector API: a vector's worth of bytes zero-extended to ints, converted to floats and
 * divided by 255 (a correctly rounded division, as the scalar one: the same floats).
 */
final class VectorPixels implements Pixels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** As many bytes as F has floats. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * 8));

    @Override
    public void toFloats(byte[] src, int srcOff, float[] dst, int dstOff, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            IntVector p = (IntVector) ByteVector.fromArray(B, src, srcOff + i).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            ((FloatVector) p.convert(VectorOperators.I2F, 0)).div(255f).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] = (src[srcOff + i] & 0xFF) / 255f;
        }
    }
}
