package io.jgrad.spark;

import io.jgrad.data.CsvDataset;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import scala.Tuple2;
import scala.collection.Seq;

/** Turns DataFrame rows into plain arrays (features, label) and a partition's rows into one block. */
final class RowValues {
    private RowValues() {}

    /**
     * How an error names a row by its global index: for CSV files ({@code lines}), as jgrad train names a CSV file's
     * rows, "line N" of its file (the header is line 1), after the file's name where {@code files} gives one (a
     * directory of part files; null for a file named by the flag); else "row N", counting from 1. File f's first row
     * has global index {@code firstRows[f]}, in increasing order.
     */
    record RowPlaces(long[] firstRows, String[] files, boolean lines) implements Serializable {
        /** Rows counted from 1, "row 1" being the first. */
        static final RowPlaces COUNTED = new RowPlaces(new long[0], new String[0], false);

        /** The place of the row with global index {@code index}: "line 3", "part-00001.csv: line 3" or "row 2". */
        String of(long index) {
            if (!lines) {
                return "row " + (index + 1);
            }
            int f = Arrays.binarySearch(firstRows, index);
            f = f >= 0 ? f : -f - 2;
            String line = "line " + (index - firstRows[f] + 2);
            return files[f] == null ? line : files[f] + ": " + line;
        }
    }

    /**
     * The classes of a label column of names: class i is {@code names.get(i)}. It travels in the task closure (at most
     * {@link CsvDataset#MAX_CLASS} + 1 names).
     */
    record ClassIndex(List<String> names, Map<String, Integer> ids) implements Serializable {
        static ClassIndex of(List<String> names) {
            Map<String, Integer> ids = new HashMap<>();
            for (int i = 0; i < names.size(); i++) {
                ids.put(names.get(i), i);
            }
            return new ClassIndex(new ArrayList<>(names), ids);
        }

        /**
         * The class of row {@code index}'s label {@code value} in column {@code column}, read as CsvDataset reads a name
         * (spaces around it ignored); a name not among the classes is an error naming it and them, in jgrad train's
         * words, and the row by {@code places}.
         */
        float classOf(Object value, long index, RowPlaces places, String column) {
            if (!(value instanceof String cell)) {
                throw new UserMistake("DistributedDataset: " + places.of(index) + ", column '" + column + "': "
                        + (value == null ? "empty cell; expected a class name" : value + " is a number, but the labels are"
                        + " class names (" + shown(names) + "); expected one of them"));
            }
            String name = CsvDataset.className(cell);
            if (name.isEmpty()) {
                throw new UserMistake("DistributedDataset: " + places.of(index) + ", column '" + column
                        + "': empty cell; expected a class name");
            }
            Integer id = ids.get(name);
            if (id == null) {
                throw new UserMistake("DistributedDataset: " + places.of(index) + ", column '" + column + "': \""
                        + (name.length() > 40 ? name.substring(0, 40) + "..." : name) + "\" is not one of the " + names.size()
                        + " classes of the training data, " + shown(names));
            }
            return id;
        }

        /** Up to 20 names, quoted and bracketed, as jgrad train lists a training file's classes. */
        private static String shown(List<String> names) {
            return names.stream().limit(20).map(n -> "'" + n + "'").collect(java.util.stream.Collectors.joining(", ", "[", "]"))
                    + (names.size() > 20 ? " (first 20)" : "");
        }
    }

    /**
     * Row {@code index}'s features (one array, vector or several numeric columns) and its label: a class index, or
     * with {@code classes} (null for indices) the class of its name. An error names the row by {@code places}.
     */
    static Tuple2<float[], Float> sample(Row row, int[] featureCols, int labelCol, long index, ClassIndex classes, RowPlaces places) {
        if (index > Integer.MAX_VALUE) {
            throw new UserMistake("DistributedDataset: more than " + Integer.MAX_VALUE + " rows are not supported");
        }
        Object labelValue = row.get(labelCol);
        if (classes != null) {
            float label = classes.classOf(labelValue, index, places, row.schema().fieldNames()[labelCol]);
            return new Tuple2<>(features(row, featureCols, index, places), label);
        }
        if (labelValue instanceof String text) { // a Parquet string column of digits: "label 0" would read as a class index
            throw new UserMistake("DistributedDataset: " + places.of(index) + " has label \"" + text + "\" in column '"
                    + row.schema().fieldNames()[labelCol] + "', a string; labels must be class indices 0, 1, 2, ... of a numeric type");
        }
        if (!(labelValue instanceof Number label) || label.doubleValue() < 0 || label.doubleValue() != Math.floor(label.doubleValue())) {
            throw new UserMistake("DistributedDataset: " + places.of(index) + " has label " + labelValue + " in column '"
                    + row.schema().fieldNames()[labelCol] + "'; labels must be class indices 0, 1, 2, ...");
        }
        // the network gets an output per class up to the largest label: as jgrad train, a label past CsvDataset.MAX_CLASS
        // is refused (1e12 overflowed the class count to 0, and the error blamed the network's sizes)
        if (label.doubleValue() > CsvDataset.MAX_CLASS) {
            throw new UserMistake("DistributedDataset: " + places.of(index) + " has label " + labelValue + " in column '"
                    + row.schema().fieldNames()[labelCol] + "'; labels must be class indices 0.." + CsvDataset.MAX_CLASS);
        }
        return new Tuple2<>(features(row, featureCols, index, places), label.floatValue());
    }

    /** Row {@code index}'s features: one array or vector column, or several numeric columns. */
    private static float[] features(Row row, int[] featureCols, long index, RowPlaces places) {
        float[] features;
        if (featureCols.length == 1 && !(row.get(featureCols[0]) instanceof Number)) {
            features = vector(row.get(featureCols[0]), index, places);
        } else {
            features = new float[featureCols.length];
            for (int i = 0; i < featureCols.length; i++) {
                if (!(row.get(featureCols[i]) instanceof Number v)) {
                    throw new UserMistake("DistributedDataset: " + places.of(index) + ", column '"
                            + row.schema().fieldNames()[featureCols[i]] + "' holds " + row.get(featureCols[i]) + ", not a number");
                }
                features[i] = v.floatValue();
                if (!Float.isFinite(features[i])) {
                    throw notFinite(v, places.of(index) + ", column '" + row.schema().fieldNames()[featureCols[i]] + "' holds ");
                }
            }
        }
        return features;
    }

    /**
     * The error for a feature value {@code v} that is not finite in float32 ({@code where} says which row and value):
     * as jgrad train, NaN, infinities and numbers beyond +-3.4e38 are refused; they made every loss NaN.
     */
    private static UserMistake notFinite(Number v, String where) {
        return new UserMistake("DistributedDataset: " + where + v + ", not a finite number"
                + (Double.isFinite(v.doubleValue()) ? " in float32 (beyond +-3.4e38)" : ""));
    }

    /**
     * The fields of an ML Vector as Parquet stores it: type (0 sparse, 1 dense), size (sparse), indices (sparse),
     * values. Without spark-mllib's VectorUDT on the classpath Spark reads the column as this struct.
     */
    static final List<String> VECTOR_FIELDS = List.of("type", "size", "indices", "values");

    /** A stored ML Vector ({@link #VECTOR_FIELDS}) as a dense float32 array, row {@code index} named in an error. */
    private static float[] storedVector(Row v, long index, RowPlaces places) {
        List<Object> values = v.getList(3);
        boolean dense = v.getByte(0) == 1;
        float[] out = new float[dense ? values.size() : v.getInt(1)];
        List<Object> indices = dense ? null : v.getList(2);
        for (int i = 0; i < values.size(); i++) {
            double d = ((Number) values.get(i)).doubleValue();
            int at = dense ? i : ((Number) indices.get(i)).intValue();
            out[at] = (float) d;
            if (!Float.isFinite(out[at])) {
                throw notFinite(d, places.of(index) + " has a features vector holding ");
            }
        }
        return out;
    }

    private static float[] vector(Object value, long index, RowPlaces places) {
        if (value instanceof Row stored && stored.schema() != null
                && Arrays.asList(stored.schema().fieldNames()).equals(VECTOR_FIELDS)) {
            return storedVector(stored, index, places);
        }
        if (value instanceof Vector v) {
            double[] d = v.toArray();
            float[] out = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                out[i] = (float) d[i];
                if (!Float.isFinite(out[i])) {
                    throw notFinite(d[i], places.of(index) + " has a features vector holding ");
                }
            }
            return out;
        }
        if (value instanceof Seq<?> seq) {
            float[] out = new float[seq.length()];
            for (int i = 0; i < out.length; i++) {
                if (!(seq.apply(i) instanceof Number n)) {
                    throw new UserMistake("DistributedDataset: " + places.of(index) + " has a features array holding "
                            + seq.apply(i) + "; expected numbers");
                }
                out[i] = n.floatValue();
                if (!Float.isFinite(out[i])) {
                    throw notFinite(n, places.of(index) + " has a features array holding ");
                }
            }
            return out;
        }
        throw new UserMistake("DistributedDataset: " + places.of(index) + " has features of type "
                + (value == null ? "null" : value.getClass().getName()) + "; expected array<float>, array<double> or an ML Vector");
    }

    /**
     * All rows of one partition as one block, sorted by global index so that sums run in a fixed order; an error names
     * rows by {@code places}.
     */
    static Iterator<Block> block(Iterator<Tuple2<Long, Tuple2<float[], Float>>> rows, RowPlaces places) {
        List<Tuple2<Long, Tuple2<float[], Float>>> all = new ArrayList<>();
        rows.forEachRemaining(all::add);
        all.sort((a, b) -> Long.compare(a._1(), b._1()));
        int width = all.isEmpty() ? 0 : all.get(0)._2()._1().length;
        Block.Builder block = new Block.Builder(all.size(), width);
        for (var row : all) {
            float[] f = row._2()._1();
            if (f.length != width) {
                throw new UserMistake("DistributedDataset: " + places.of(row._1()) + " has " + f.length
                        + " features, " + places.of(all.get(0)._1()) + " has " + width + "; every row needs the same number");
            }
            block.add((int) (long) row._1(), f, 0, row._2()._2());
        }
        return List.of(block.build()).iterator();
    }
}
