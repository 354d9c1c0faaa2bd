package io.jgrad.spark;

import io.jgrad.data.CsvDataset;
import io.jgrad.data.CsvEscape;
import io.jgrad.data.IdxDataset;
import io.jgrad.data.Standardization;
import io.jgrad.data.TensorDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Classification samples spread over the partitions of an RDD and cached in executor memory: each partition
 * holds one {@link Block} (global indices, features as 8-bit pixels or float32, labels), rows sorted by global
 * index. The global index is the row's position in the source, and it is what {@link SparkTrainer} uses to form
 * global batches, so the partitioning does not change which samples make up a batch. For files read by {@link #read}
 * the position is in file-path order, then row order within each file (a directory of part files: part-00000's rows
 * first), whatever order and sizes Spark lists and reads the files in; for {@link #fromDataFrame} it is the
 * DataFrame's own order. Blocks hold plain arrays: no jgrad tensor is ever serialized.
 */
public final class DistributedDataset {
    private final JavaRDD<Block> blocks;
    private final int size;
    private final int featureSize;
    private final int numClasses;
    private final List<String> featureColumns;
    private final String labelColumn;
    private final Standardization standardization;
    private final boolean truncated;
    private final List<String> classNames;
    private int[] imageShape; // [C, H, W] of an IDX directory's images, which travel flattened; null for other data

    DistributedDataset(JavaRDD<Block> blocks, int numClassesAtLeast) {
        this(blocks, numClassesAtLeast, false, null, null, List.of());
    }

    /**
     * With {@code truncateLineage}, the cached blocks replace the lineage (see {@link #of}); {@code featureColumns}
     * and {@code labelColumn} name a DataFrame's columns (null for other sources); {@code classNames} names classes
     * 0, 1, ... where the labels are names (else empty); the class count is at least their number.
     */
    private DistributedDataset(JavaRDD<Block> blocks, int numClassesAtLeast, boolean truncateLineage, List<String> featureColumns,
                               String labelColumn, List<String> classNames) {
        this.featureColumns = featureColumns;
        this.labelColumn = labelColumn;
        this.standardization = Standardization.NONE;
        this.truncated = truncateLineage;
        this.classNames = List.copyOf(classNames);
        this.blocks = blocks.persist(StorageLevel.MEMORY_ONLY());
        if (truncateLineage) {
            this.blocks.rdd().localCheckpoint();
        }
        // One pass materializes the cache and checks the data: [rows, max label, min width, max width].
        long[] stats = this.blocks.map(DistributedDataset::blockStats).reduce(DistributedDataset::mergeStats);
        if (stats[0] == 0) {
            throw new UserMistake("DistributedDataset: the data has no rows");
        }
        if (stats[2] != stats[3]) {
            throw new UserMistake("DistributedDataset: rows have between " + stats[2] + " and " + stats[3]
                    + " features; every row needs the same number");
        }
        this.size = Math.toIntExact(stats[0]);
        this.featureSize = (int) stats[2];
        this.numClasses = Math.max(numClassesAtLeast, (int) stats[1] + 1);
    }

    /** {@code data}'s rows (the same cached blocks) with their features standardized by {@code standardization}. */
    private DistributedDataset(DistributedDataset data, Standardization standardization) {
        this.blocks = data.blocks;
        this.size = data.size;
        this.featureSize = data.featureSize;
        this.numClasses = data.numClasses;
        this.featureColumns = data.featureColumns;
        this.labelColumn = data.labelColumn;
        this.truncated = data.truncated;
        this.imageShape = data.imageShape;
        this.classNames = data.classNames;
        this.standardization = standardization;
    }

    /**
     * Spreads an in-memory data set (e.g. an IDX file read on the driver) over {@code partitions} contiguous ranges.
     * Once cached, the blocks replace the RDD's lineage ({@code localCheckpoint}): a parallelized collection
     * carries its data in its partitions, so every task would otherwise ship its whole block again (94 MB per
     * half of Fashion-MNIST, measured ~250 ms per job in local[2]). The price: the blocks of a lost executor
     * cannot be recomputed, and the job fails; read large data with {@link #read} instead.
     */
    public static DistributedDataset of(JavaSparkContext jsc, TensorDataset data, int partitions) {
        checkPartitions(partitions);
        if (data.targetShape().length != 0) {
            throw new IllegalArgumentException("DistributedDataset.of: targets must be one class index per sample (shape [N]), got"
                    + " target shape " + Arrays.toString(data.targetShape()));
        }
        int n = data.size();
        int d = Arrays.stream(data.sampleShape()).reduce(1, Math::multiplyExact);
        // Row by row into the blocks: 8-bit images (IdxDataset) stay 8-bit, and no float copy of the whole set is made.
        float[] row = new float[d], label = new float[1];
        List<Block> slices = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            int lo = (int) ((long) n * p / partitions), hi = (int) ((long) n * (p + 1) / partitions);
            Block.Builder block = new Block.Builder(hi - lo, d);
            for (int i = lo; i < hi; i++) {
                data.copySample(i, row, 0);
                data.copyTarget(i, label, 0);
                block.add(i, row, 0, label[0]);
            }
            slices.add(block.build());
        }
        // Cached and checkpointed is the map's output, not the parallelized collection: once the lineage is cut, nothing
        // refers to the collection any more and the driver's copy of the data can be collected.
        DistributedDataset out = new DistributedDataset(jsc.parallelize(slices, partitions).map(b -> b), data.numClasses(), true,
                null, null, List.of());
        out.imageShape = data.sampleShape().length == 3 ? data.sampleShape() : null; // images [C, H, W], flattened in the rows
        return out;
    }

    /** The training ({@code train}) or test split of an MNIST-style IDX directory, read on the driver. */
    public static DistributedDataset readIdx(SparkSession spark, Path dir, boolean train, int partitions) throws IOException {
        // images [1, H, W], which the blocks hold flattened and the trainer reshapes for a network that takes images
        return of(JavaSparkContext.fromSparkContext(spark.sparkContext()), IdxDataset.load(dir, train, false), partitions);
    }

    /**
     * Rows of a DataFrame: {@code featuresColumn} holds array&lt;float&gt;, array&lt;double&gt; or an ML Vector (or
     * pass null to use every numeric column except the label), {@code labelColumn} class indices 0..K-1 of a numeric
     * type, or class names: a string column with a value that is not a number holds names, numbered in sorted order
     * as {@code jgrad train} numbers a CSV file's (see {@link #classNames()}). Rows are numbered in the DataFrame's
     * order; a DataFrame read straight from several files is in Spark's reading order (largest file first, equal
     * sizes as the file system lists them): {@link #read} orders such files by path.
     */
    public static DistributedDataset fromDataFrame(Dataset<Row> df, String featuresColumn, String labelColumn, int partitions) {
        return fromDataFrame(df, featuresColumn, labelColumn, partitions, null);
    }

    /**
     * As {@link #fromDataFrame(Dataset, String, String, int)}, with the classes of other data: for validation data,
     * whose labels must mean what the training data's mean. {@code classNames}: null to read class indices or names
     * (as the other overload); empty for class indices only; else the training data's {@link #classNames()}, which
     * every label must be one of (the class count is then their number, even where some do not occur).
     */
    public static DistributedDataset fromDataFrame(Dataset<Row> df, String featuresColumn, String labelColumn, int partitions,
                                                   List<String> classNames) {
        return fromDataFrame(df, featuresColumn, labelColumn, partitions, Source.DATA_FRAME, classNames);
    }

    /** Where a DataFrame's rows come from, which decides how they are numbered and how an error names one. */
    private enum Source {
        /** Any DataFrame: rows numbered in its order, named "row N" counting from 1. */
        DATA_FRAME,
        /** A plain read of files (Parquet): rows numbered by {@link #inFileOrder}, named "row N" counting from 1. */
        FILES,
        /** A plain read of one CSV file with a header: numbered by {@link #inFileOrder}, named by line, as jgrad train names them. */
        CSV_FILE,
        /** A plain read of a directory of CSV files, each with a header: as {@link #CSV_FILE}, the line after its file's name. */
        CSV_DIRECTORY
    }

    /**
     * As the public {@link #fromDataFrame}; for a {@code source} of files ({@code df} must be a plain read of them) rows
     * are numbered by {@link #inFileOrder} instead of in the order Spark reads them.
     */
    private static DistributedDataset fromDataFrame(Dataset<Row> df, String featuresColumn, String labelColumn, int partitions,
                                                    Source source, List<String> classNames) {
        checkPartitions(partitions);
        List<String> names = Arrays.asList(df.columns());
        if (!names.contains(labelColumn)) {
            throw new UserMistake("DistributedDataset: no label column '" + labelColumn + "'; columns: " + names);
        }
        if (featuresColumn != null && !names.contains(featuresColumn)) {
            throw new UserMistake("DistributedDataset: no features column '" + featuresColumn + "'; columns: " + names
                    + " (pass null to use every column but the label)");
        }
        int[] featureCols = featuresColumn != null ? new int[] {names.indexOf(featuresColumn)}
                : java.util.stream.IntStream.range(0, names.size()).filter(i -> !names.get(i).equals(labelColumn)).toArray();
        int labelCol = names.indexOf(labelColumn);
        // Types are checked here, on the driver: a task meeting a string "2" would blame that row, not the "x" that made
        // Spark read the whole column as strings.
        for (int c : featureCols) {
            DataType type = df.schema().fields()[c].dataType();
            boolean vector = featureCols.length == 1 && isVector(type);
            if (!vector) {
                requireNumbers(df, names.get(c), "");
            }
        }
        List<String> classes = labelClasses(df, labelColumn, classNames);
        RowValues.ClassIndex index = classes.isEmpty() ? null : RowValues.ClassIndex.of(classes);
        // Rows numbered in source order; hashing the Long index spreads them round-robin, deterministically.
        Numbered numbered = source == Source.DATA_FRAME ? new Numbered(df.javaRDD().zipWithIndex(), RowValues.RowPlaces.COUNTED)
                : inFileOrder(df, source);
        RowValues.RowPlaces places = numbered.places();
        JavaRDD<Block> blocks = numbered.rows()
                .mapToPair(t -> new Tuple2<>(t._2(), RowValues.sample(t._1(), featureCols, labelCol, t._2(), index, places)))
                .partitionBy(new HashPartitioner(partitions))
                .mapPartitions(rows -> RowValues.block(rows, places));
        return new DistributedDataset(blocks, classes.size(), false,
                Arrays.stream(featureCols).mapToObj(names::get).toList(), labelColumn, classes);
    }

    /**
     * The class names of {@code column}'s labels, or empty for class indices, as {@code classNames} asks (see
     * {@link #fromDataFrame(Dataset, String, String, int, List)}): given names are returned as they are; else a string
     * column holding a value that is not a number holds names (as a CSV column does for jgrad train), found by one Spark
     * job and sorted. Refuses labels that can be neither, and names where {@code classNames} asks for indices.
     */
    private static List<String> labelClasses(Dataset<Row> df, String column, List<String> classNames) {
        DataType type = df.schema().apply(column).dataType();
        if (classNames != null && !classNames.isEmpty()) {
            if (!(type instanceof StringType)) {
                throw new UserMistake("DistributedDataset: column '" + column + "' holds values of type "
                        + type.simpleString() + ", but the training data's labels are class names; expected the same names");
            }
            return classNames;
        }
        String word = type instanceof StringType ? firstWord(df, column) : null;
        if (word == null) {
            requireNumbers(df, column, classNames == null ? "; labels must be class indices 0, 1, 2, ... or class names"
                    : "; labels must be class indices 0, 1, 2, ..., as the training data's are");
            return List.of();
        }
        if (classNames != null) {
            throw new UserMistake("DistributedDataset: column '" + column + "' holds \"" + word + "\", a class"
                    + " name, but the training data's labels are class indices 0, 1, 2, ...; expected class indices");
        }
        return learnClassNames(df, column);
    }

    /** Most class names a label column may hold: as many as there are class indices, 0..MAX_CLASS. */
    private static final int MAX_CLASS_NAMES = CsvDataset.MAX_CLASS + 1;

    /**
     * The distinct names of the string column {@code column} (CsvDataset's {@link CsvDataset#className} of each
     * value; nulls and blanks left to the pass that numbers the rows, which names their row), in sorted order. Each
     * partition collects its set and the driver merges them; more than {@link #MAX_CLASS_NAMES} is refused as soon
     * as a set holds them, naming the column.
     */
    private static List<String> learnClassNames(Dataset<Row> df, String column) {
        HashSet<String> names = df.select(column(df, column)).javaRDD().mapPartitions(rows -> {
            HashSet<String> set = new HashSet<>();
            while (rows.hasNext()) {
                Object value = rows.next().get(0);
                String name = value == null ? "" : CsvDataset.className((String) value);
                if (!name.isEmpty() && set.add(name)) {
                    checkNameCount(set, column);
                }
            }
            return List.of(set).iterator();
        }).fold(new HashSet<>(), (a, b) -> {
            a.addAll(b);
            checkNameCount(a, column);
            return a;
        });
        return CsvDataset.sortedClassNames(names);
    }

    private static void checkNameCount(java.util.Set<String> names, String column) {
        if (names.size() > MAX_CLASS_NAMES) {
            throw new UserMistake("DistributedDataset: column '" + column + "' holds more than " + MAX_CLASS_NAMES
                    + " different class names; expected class names or indices 0.." + CsvDataset.MAX_CLASS
                    + " (an identifier column?)");
        }
    }

    /**
     * The rows of {@code df}, a plain read of files, each with its position when the files are taken in path order
     * and each file's rows in file order. Spark's own order ({@code zipWithIndex} on the scan) is not that: it reads
     * the largest pieces of files first, and files of equal size in the order the file system lists them, so the
     * same part files could give another order, and with it other batches, on another machine or after a copy.
     * A piece is a file, or the byte range of one that Spark reads as a split; Spark reads each piece whole, in
     * order, inside one partition. One job counts the rows of each piece, the driver sorts the pieces by (path,
     * start) and gives each its first position, and the returned RDD (computed again over the same scan, as
     * zipWithIndex's is) adds the row's place within its piece. The rows keep {@code df}'s columns, followed by two
     * of the file's metadata. With the rows come the places that errors name them by, as {@code source} asks: for
     * CSV, each file's line (its header is line 1, and each row one line: Spark reads no row across lines, and it skips
     * a blank line, which jgrad train refuses, so a row below one is named a line early).
     */
    private static Numbered inFileOrder(Dataset<Row> df, Source source) {
        Column file = df.metadataColumn("_metadata");
        int path = df.columns().length, start = path + 1;
        JavaRDD<Row> rows = df.select(functions.col("*"), file.getField("file_path"), file.getField("file_block_start")).javaRDD();
        List<Piece> pieces = new ArrayList<>(rows.mapPartitionsWithIndex((partition, it) -> {
            List<Piece> found = new ArrayList<>();
            String piecePath = null;
            long pieceStart = -1, n = 0;
            while (it.hasNext()) {
                Row row = it.next();
                if (n > 0 && row.getLong(start) == pieceStart && row.getString(path).equals(piecePath)) {
                    n++;
                    continue;
                }
                if (n > 0) {
                    found.add(new Piece(piecePath, pieceStart, partition, found.size(), n));
                }
                piecePath = row.getString(path);
                pieceStart = row.getLong(start);
                n = 1;
            }
            if (n > 0) {
                found.add(new Piece(piecePath, pieceStart, partition, found.size(), n));
            }
            return found.iterator();
        }, false).collect());
        pieces.sort(Comparator.comparing(Piece::path).thenComparingLong(Piece::start));
        // first[p][k]: the position of the first row of partition p's k-th piece
        long[][] first = new long[rows.getNumPartitions()][];
        long[] count = new long[first.length];
        for (Piece piece : pieces) {
            count[piece.partition()]++;
        }
        for (int p = 0; p < first.length; p++) {
            first[p] = new long[(int) count[p]];
        }
        long next = 0;
        List<Long> fileFirst = new ArrayList<>();
        List<String> files = new ArrayList<>();
        for (Piece piece : pieces) {
            first[piece.partition()][piece.ordinal()] = next;
            if (files.isEmpty() || !files.getLast().equals(piece.path())) {
                files.add(piece.path());
                fileFirst.add(next);
            }
            next += piece.rows();
        }
        RowValues.RowPlaces places = RowValues.RowPlaces.COUNTED;
        if (source == Source.CSV_FILE || source == Source.CSV_DIRECTORY) {
            boolean named = source == Source.CSV_DIRECTORY || files.size() > 1;
            places = new RowValues.RowPlaces(fileFirst.stream().mapToLong(Long::longValue).toArray(),
                    files.stream().map(f -> named ? fileName(f) : null).toArray(String[]::new), true);
        }
        return new Numbered(JavaPairRDD.fromJavaRDD(rows.mapPartitionsWithIndex((partition, it) -> new java.util.Iterator<Tuple2<Row, Long>>() {
            private int ordinal = -1;
            private String piecePath;
            private long pieceStart, position;

            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Tuple2<Row, Long> next() {
                Row row = it.next();
                if (ordinal < 0 || row.getLong(start) != pieceStart || !row.getString(path).equals(piecePath)) {
                    ordinal++;
                    piecePath = row.getString(path);
                    pieceStart = row.getLong(start);
                    position = first[partition][ordinal];
                }
                return new Tuple2<>(row, position++);
            }
        }, true)), places);
    }

    /** Rows with their global indices, and how an error names a row by its index. */
    private record Numbered(JavaPairRDD<Row, Long> rows, RowValues.RowPlaces places) {}

    /** The name of the file at {@code uri} (Spark's _metadata.file_path, a URI string): "part-00001.csv". */
    private static String fileName(String uri) {
        String path;
        try {
            path = new java.net.URI(uri).getPath();
        } catch (java.net.URISyntaxException e) {
            path = uri;
        }
        return path == null ? uri : path.substring(path.lastIndexOf('/') + 1);
    }

    /** The {@code ordinal}-th piece of a file that partition {@code partition} reads: {@code rows} rows from byte {@code start}. */
    private record Piece(String path, long start, int partition, int ordinal, long rows) implements java.io.Serializable {}

    /**
     * Throws when {@code column} is not numeric, quoting its first value that is not a number when it holds strings
     * (a string column of numbers only, e.g. of a CSV file with no rows, passes: its rows say what is wrong).
     */
    private static void requireNumbers(Dataset<Row> df, String column, String hint) {
        DataType type = df.schema().apply(column).dataType();
        if (type instanceof NumericType) {
            return;
        }
        if (type instanceof StringType) {
            String word = firstWord(df, column);
            if (word == null) {
                return;
            }
            throw new UserMistake("DistributedDataset: column '" + column + "' holds \"" + word
                    + "\", not a number" + hint);
        }
        throw new UserMistake("DistributedDataset: column '" + column + "' holds values of type " + type.simpleString()
                + ", not numbers" + hint);
    }

    /**
     * The column named {@code name}, as the header wrote it: quoted, since Spark reads a name given to {@code col} or
     * {@code select} as its syntax (a dot separates the field of a struct, a backtick quotes), and such a name holds
     * any character.
     */
    private static Column column(Dataset<Row> df, String name) {
        return df.col("`" + name.replace("`", "``") + "`");
    }

    /** The first value of the string column {@code column} that is not a number (Spark's cast to double), or null. */
    private static String firstWord(Dataset<Row> df, String column) {
        Column c = column(df, column);
        List<Row> word = df.select(c).where(c.isNotNull().and(c.try_cast("double").isNull())).limit(1).collectAsList();
        return word.isEmpty() ? null : word.get(0).getString(0);
    }

    /**
     * Reads {@code path}: an IDX directory (its training split), a {@code .csv} file with a header (or a directory of
     * such files: one whose name ends in .csv, or which holds .csv files and no .parquet one) (label: the
     * column {@code labelColumn}, or the last column when null; features: all other columns), or Parquet: with a
     * {@code features} column of arrays or ML Vectors (or a {@code featuresColumn} named), the features are that column
     * and the label defaults to "label"; without one, its numeric columns are read as a CSV file's (label: {@code
     * labelColumn}, or the last column when null; features: all other columns, each of a numeric type). A directory
     * of several files is read in path order, each file's rows in order (see {@link #inFileOrder}).
     */
    public static DistributedDataset read(SparkSession spark, String path, String featuresColumn, String labelColumn,
                                          int partitions) throws IOException {
        return read(spark, path, featuresColumn, labelColumn, partitions, null);
    }

    /**
     * As {@link #read(SparkSession, String, String, String, int)}, with the classes of other data (for validation
     * data: the training data's {@link #classNames()}), as {@link #fromDataFrame(Dataset, String, String, int, List)}
     * takes them. With class names, a CSV label column is read as names whatever its values (a file whose labels all
     * look like numbers, "1", "2", is read as names, not as class indices).
     */
    public static DistributedDataset read(SparkSession spark, String path, String featuresColumn, String labelColumn,
                                          int partitions, List<String> classNames) throws IOException {
        if (isIdx(path)) {
            return readIdx(spark, Path.of(path), true, partitions);
        }
        checkReadable(path);
        if (path.toLowerCase(Locale.ROOT).endsWith(".csv") || isCsvDirectory(path)) {
            CsvEscape escape = csvEscape(spark, path);
            // FAILFAST: a row with more or fewer values than the header is an error, not cut short or padded with nulls
            Dataset<Row> df = csvReader(spark, escape).option("header", "true").option("inferSchema", "true").option("mode", "FAILFAST").csv(path);
            String[] cols = df.columns();
            if (cols.length == 0) {
                throw new UserMistake("DistributedDataset: the file is empty; expected a header row naming the columns");
            }
            checkHeader(spark, path, cols, escape);
            String label = labelColumn != null ? labelColumn : cols[cols.length - 1];
            if (classNames != null && !classNames.isEmpty() && Arrays.asList(cols).contains(label)
                    && !(df.schema().apply(label).dataType() instanceof StringType)) {
                // names that read as numbers ("1", "2") made Spark infer a number column: read it again as text
                StructType schema = new StructType();
                for (var field : df.schema().fields()) {
                    schema = schema.add(field.name(), field.name().equals(label) ? DataTypes.StringType : field.dataType());
                }
                df = csvReader(spark, escape).option("header", "true").option("mode", "FAILFAST").schema(schema).csv(path);
            }
            return fromDataFrame(df, featuresColumn, label, partitions,
                    Files.isDirectory(Path.of(path)) ? Source.CSV_DIRECTORY : Source.CSV_FILE, classNames);
        }
        Dataset<Row> df = spark.read().parquet(path);
        if (featuresColumn != null || isVectorColumn(df, "features")) {
            return fromDataFrame(df, featuresColumn != null ? featuresColumn : "features", labelColumn != null ? labelColumn : "label",
                    partitions, Source.FILES, classNames);
        }
        // plain columns, as a CSV file has them: the label is the last one unless named, the features all others
        String[] cols = df.columns();
        String label = labelColumn != null ? labelColumn : cols[cols.length - 1];
        if (Arrays.asList(cols).contains(label)) {
            // Parquet columns have types: a string column is refused by its type, also when its values read as numbers
            for (String c : cols) {
                DataType type = df.schema().apply(c).dataType();
                if (!c.equals(label) && !(type instanceof NumericType)) {
                    throw new UserMistake("DistributedDataset: column '" + c + "' holds values of type " + type.simpleString()
                            + ", not numbers; the features are every column but the label column '" + label + "'");
                }
            }
        }
        return fromDataFrame(df, null, label, partitions, Source.FILES, classNames);
    }

    /**
     * Spark's CSV reader with the quoting jgrad train reads {@code path} with ({@link #csvEscape}): RFC 4180's, a quote
     * inside a quoted value doubled ({@code "Iris ""versi"""} is {@code Iris "versi"}), or for a file written by
     * Spark's DataFrameWriter with its default options, a quote escaped as {@code \"} and a backslash as
     * {@code \\} (Spark's reader's defaults). With RFC 4180's files Spark's default escape kept the doubled quotes in
     * the value, and with a comma after them called the row malformed.
     */
    private static org.apache.spark.sql.DataFrameReader csvReader(SparkSession spark, CsvEscape escape) {
        return spark.read().option("quote", "\"").option("escape", escape == CsvEscape.BACKSLASH ? "\\" : "\"");
    }

    /**
     * Bits of a line's kind in {@link #csvEscape}, beside {@link CsvEscape#readings}': text after a closing quote, and a
     * quoted value left open at the line's end ({@link CsvEscape#quotedAfter}), each read doubled or with backslashes.
     */
    private static final int AFTER_QUOTE_DOUBLED = 4, AFTER_QUOTE_BACKSLASH = 8, OPEN_DOUBLED = 16, OPEN_BACKSLASH = 32;

    /**
     * Why a line that ends inside a quoted value is refused: Spark's reader, taking a line as a record, split the row
     * there, and the error (if any) was about a piece of it. Its multiLine option reads such a value, but then no file is
     * split among tasks (Spark 4.1's MultiLineCSVDataSource is not splitable: one task parses a whole file), and the
     * lines that name rows and decide the escape would no longer be the records.
     */
    static final String QUOTED_LINE_BREAK = "a quoted value goes on past the end of the line (a line break inside quotes,"
            + " which RFC 4180 allows and jgrad train reads as part of the value), but jgrad train --spark reads each line as"
            + " a record; expected each record on one line, without line breaks inside quoted values (or train with jgrad"
            + " train)";

    /**
     * How the CSV file or directory {@code path} escapes a quote inside a quoted value, decided as jgrad train decides
     * it ({@link CsvEscape#of}) by the lines that read one way only ({@link CsvEscape#readings}), and refusing, as
     * jgrad train's parse does, a line with text after a closing quote ({@code "x"y}, {@link CsvEscape#textAfterQuote})
     * read with that escape: Spark's reader took such a value as its raw text; and a line that ends inside a quoted
     * value read with it ({@link #QUOTED_LINE_BREAK}). One job over the lines that hold a quote; a refusal names the
     * first line at fault (after its file's name, for a directory) as jgrad train names it, and a second job numbers the
     * lines for it.
     */
    private static CsvEscape csvEscape(SparkSession spark, String path) {
        Dataset<Row> text = spark.read().text(path);
        List<Integer> kinds = text.where(text.col("value").contains("\"")).javaRDD().map(r -> {
            String s = r.getString(0);
            return CsvEscape.readings(s) | (CsvEscape.DOUBLED.textAfterQuote(s) != null ? AFTER_QUOTE_DOUBLED : 0)
                    | (CsvEscape.BACKSLASH.textAfterQuote(s) != null ? AFTER_QUOTE_BACKSLASH : 0)
                    | (CsvEscape.DOUBLED.quotedAfter(s, false) ? OPEN_DOUBLED : 0)
                    | (CsvEscape.BACKSLASH.quotedAfter(s, false) ? OPEN_BACKSLASH : 0);
        }).distinct().collect();
        int both = CsvEscape.READS_DOUBLED | CsvEscape.READS_BACKSLASH;
        java.util.function.IntPredicate read = reading -> kinds.stream().anyMatch(k -> (k & both) == reading);
        CsvEscape decided = CsvEscape.decide(read.test(CsvEscape.READS_DOUBLED), read.test(CsvEscape.READS_BACKSLASH), read.test(both));
        int refused = decided == CsvEscape.DOUBLED ? AFTER_QUOTE_DOUBLED | OPEN_DOUBLED : AFTER_QUOTE_BACKSLASH | OPEN_BACKSLASH;
        if (decided != null && kinds.stream().noneMatch(k -> (k & refused) != 0)) {
            return decided;
        }
        Numbered numbered = inFileOrder(text, Files.isDirectory(Path.of(path)) ? Source.CSV_DIRECTORY : Source.CSV_FILE);
        RowValues.RowPlaces places = numbered.places();
        if (decided != null) {
            // the first line with text after a closing quote or ending inside quotes: a line begins outside quotes up to
            // the first that ends inside them, so that line is where the first record over a line break begins
            Tuple2<Long, String> first = numbered.rows()
                    .filter(t -> decided.textAfterQuote(t._1().getString(0)) != null || decided.quotedAfter(t._1().getString(0), false))
                    .map(t -> new Tuple2<>(t._2(), t._1().getString(0)))
                    .reduce((a, b) -> a._1() <= b._1() ? a : b);
            String afterQuote = decided.textAfterQuote(first._2()); // the parse's error comes first on its line
            throw new UserMistake("DistributedDataset: " + place(places, first._1()) + ": "
                    + (afterQuote != null ? afterQuote : QUOTED_LINE_BREAK));
        }
        // refused: the first line of each kind, by its place in path and file order
        Map<Integer, Tuple2<Long, String>> first = numbered.rows()
                .mapToPair(t -> new Tuple2<>(CsvEscape.readings(t._1().getString(0)), new Tuple2<>(t._2(), t._1().getString(0))))
                .filter(t -> t._1() != 0)
                .reduceByKey((a, b) -> a._1() <= b._1() ? a : b)
                .collectAsMap();
        java.util.function.IntFunction<String> place = kind -> first.containsKey(kind) ? place(places, first.get(kind)._1()) : null;
        try {
            return CsvEscape.of(place.apply(CsvEscape.READS_DOUBLED), place.apply(CsvEscape.READS_BACKSLASH), place.apply(both),
                    first.containsKey(both) ? first.get(both)._2() : null);
        } catch (IllegalArgumentException e) {
            throw new UserMistake("DistributedDataset: " + e.getMessage(), e);
        }
    }

    /** Where the text line numbered {@code row} (from 0, in path and file order) is, as jgrad train names it: "line 3", or "part-00001.csv: line 3". */
    private static String place(RowValues.RowPlaces places, long row) {
        int f = Arrays.binarySearch(places.firstRows(), row);
        f = f >= 0 ? f : -f - 2;
        String where = "line " + (row - places.firstRows()[f] + 1); // the header is a line of the text
        return places.files()[f] == null ? where : places.files()[f] + ": " + where;
    }

    /**
     * Refuses a CSV header that Spark read under other names ({@code cols}): it renames a name that appears twice
     * (ignoring case) or an empty one after its column ("a,a" becomes a0, a1), and the run directory then recorded
     * feature columns that the file does not have. As jgrad train does, the error names the column. Also refuses a
     * header of numbers only: a file written without a header row, whose first row would be read as the names.
     */
    private static void checkHeader(SparkSession spark, String path, String[] cols, CsvEscape escape) {
        Row first = csvReader(spark, escape).option("header", "false").option("inferSchema", "false").csv(path).first();
        List<String> raw = new ArrayList<>();
        for (int i = 0; i < first.length(); i++) {
            raw.add(first.getString(i) == null ? "" : first.getString(i));
        }
        if (CsvDataset.headerIsNumbers(raw)) {
            // a file without a header row, as df.write().csv(dir) writes them by default: its first row became the
            // names (renamed by Spark where a value repeats) and would be dropped from every file without a word
            // (jgrad train notes the same case)
            String shown = String.join(",", raw.subList(0, Math.min(raw.size(), 4))) + (raw.size() > 4 ? ",..." : "");
            throw new UserMistake("DistributedDataset: every column name in the header (" + shown + ") is a"
                    + " number: a file without a header row, whose first row would be read as the names and not trained on;"
                    + " expected a header row naming the columns (Spark writes one with .option(\"header\", \"true\"))");
        }
        for (int i = 0; i < cols.length && i < first.length(); i++) {
            String name = first.getString(i);
            if (name != null && name.equals(cols[i])) {
                continue;
            }
            if (name == null || name.isBlank()) {
                throw new UserMistake("DistributedDataset: the header names no column " + (i + 1)
                        + "; every column needs a name");
            }
            for (int j = 0; j < first.length(); j++) {
                if (j != i && name.equalsIgnoreCase(first.getString(j))) {
                    throw new UserMistake("DistributedDataset: column name '" + first.getString(Math.min(i, j))
                            + "' appears twice (columns " + (Math.min(i, j) + 1) + " and " + (Math.max(i, j) + 1)
                            + "); names must be unique"
                            + (name.equals(first.getString(j)) ? "" : ", also ignoring case (as Spark reads them)"));
                }
            }
        }
    }

    /** Whether {@code df} has a column {@code name} of arrays or ML Vectors (not a plain number column that happens to be named so). */
    private static boolean isVectorColumn(Dataset<Row> df, String name) {
        if (!Arrays.asList(df.columns()).contains(name)) {
            return false;
        }
        return isVector(df.schema().apply(name).dataType());
    }

    /**
     * Whether a column of this type holds a whole feature vector per row: arrays, or ML Vectors (a user-defined type,
     * or its storage struct {@link RowValues#VECTOR_FIELDS}, which is what Spark reads from Parquet where the UDT's
     * class, in spark-mllib, is not on the classpath, as under {@code jgrad train --spark}).
     */
    private static boolean isVector(DataType type) {
        return type instanceof ArrayType || type instanceof UserDefinedType<?>
                || type instanceof StructType struct && Arrays.asList(struct.fieldNames()).equals(RowValues.VECTOR_FIELDS);
    }

    /**
     * Refuses a local {@code path} (or a file in a local directory, as Spark lists it: not hidden, not "_"-prefixed)
     * that this user may not read. Spark reads such a CSV file as one with no rows, so the error would be "the file is
     * empty", pointing at its contents. A path that is not local (hdfs://...) does not exist here and is left to Spark.
     */
    private static void checkReadable(String path) throws IOException {
        Path local = Path.of(path);
        if (!Files.exists(local)) {
            return;
        }
        boolean directory = Files.isDirectory(local);
        if (!Files.isReadable(local)) {
            throw new UserMistake("DistributedDataset: permission denied; expected a " + (directory ? "directory" : "file")
                    + " that this user may read");
        }
        if (directory) {
            try (var files = Files.list(local)) {
                for (Path f : files.sorted().toList()) {
                    String name = f.getFileName().toString();
                    if (!name.startsWith(".") && !name.startsWith("_") && Files.isRegularFile(f) && !Files.isReadable(f)) {
                        throw new UserMistake("DistributedDataset: " + f + ": permission denied; expected a file"
                                + " that this user may read");
                    }
                }
            }
        }
    }

    /**
     * Whether {@code path} is a local directory of CSV part files (as {@code df.write().csv(dir)} leaves them: it was
     * read as Parquet, "part-00000.csv is not a Parquet file"): it holds a .csv file and no .parquet one.
     */
    static boolean isCsvDirectory(String path) throws IOException {
        Path local = Path.of(path);
        if (!Files.isDirectory(local)) {
            return false;
        }
        try (var files = Files.list(local)) {
            List<String> names = files.map(f -> f.getFileName().toString().toLowerCase(Locale.ROOT)).toList();
            return names.stream().anyMatch(n -> n.endsWith(".csv")) && names.stream().noneMatch(n -> n.endsWith(".parquet"));
        }
    }

    /**
     * What {@link #read} reads {@code path} as, in the words of config.json's data.kind (jgrad-cli's RunConfig): "idx"
     * for an IDX directory, "csv" for a .csv file or a directory of CSV part files, else "parquet".
     */
    static String kind(String path) throws IOException {
        return isIdx(path) ? "idx" : path.toLowerCase(Locale.ROOT).endsWith(".csv") || isCsvDirectory(path) ? "csv" : "parquet";
    }

    /**
     * Whether {@code path} is an IDX directory, by the rule jgrad train uses ({@link io.jgrad.data.IdxDataset#isIdxDirectory});
     * a Parquet data set is a directory too.
     */
    static boolean isIdx(String path) {
        return io.jgrad.data.IdxDataset.isIdxDirectory(Path.of(path));
    }

    private static void checkPartitions(int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("DistributedDataset: partitions must be at least 1, got " + partitions);
        }
    }

    /** A training part and a held-out validation part of the same rows. */
    public record Split(DistributedDataset train, DistributedDataset validation) {}

    /**
     * Holds out the rows that {@link io.jgrad.data.TensorDataset#split} holds out of the same rows in the same order
     * ({@code jgrad train --val-split}): a permutation of the row numbers drawn by {@code new Generator(seed)}, whose
     * first {@code round(size * valFraction)} rows are the validation part and the rest the training part, each
     * numbered in that permutation's order. Only the permutation is made on the driver (one int per row, as an epoch's
     * shuffle); the rows stay in their partitions. Both parts keep this data's class count, class names, columns and
     * partitions.
     * This data's cached blocks are dropped once the parts are cached, unless they are the only copy (data spread from
     * the driver by {@link #of}).
     *
     * @throws IllegalArgumentException if either part would be empty, or valFraction is not in (0, 1)
     */
    public Split split(double valFraction, long seed) {
        long held = Math.round(size * valFraction);
        if (!(valFraction > 0 && valFraction < 1) || held == 0 || held == size) {
            throw new IllegalArgumentException("DistributedDataset.split: valFraction " + valFraction + " of "
                    + SparkTrainMain.count(size, "row") + " leaves " + (size - held) + " for training and " + held + " for validation; both need at least one");
        }
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        new io.jgrad.tensor.Generator(seed).shuffle(order);
        int[] position = new int[size];
        for (int i = 0; i < size; i++) {
            position[order[i]] = i;
        }
        // kept for the parts' lineage: a lost block is recomputed from it
        var positionB = JavaSparkContext.fromSparkContext(blocks.context()).broadcast(position);
        int nVal = (int) held;
        DistributedDataset train = new DistributedDataset(blocks.map(b -> part(b, positionB.value(), nVal, false)), numClasses,
                false, featureColumns, labelColumn, classNames);
        DistributedDataset validation = new DistributedDataset(blocks.map(b -> part(b, positionB.value(), nVal, true)), numClasses,
                false, featureColumns, labelColumn, classNames);
        if (!truncated) { // else the parts' lineage ends in these cached blocks, which hold the only copy
            unpersist();
        }
        return new Split(train, validation);
    }

    /**
     * The rows of {@code b} in the validation part ({@code validation}) or the training part, renumbered: a row at
     * {@code position[index]} of the permutation is validation row {@code position} when that is below {@code nVal},
     * else training row {@code position - nVal}; sorted by the new numbers, as a block's rows are.
     */
    private static Block part(Block b, int[] position, int nVal, boolean validation) {
        int[] rows = java.util.stream.IntStream.range(0, b.rows()).filter(i -> position[b.index()[i]] < nVal == validation)
                .boxed().sorted(java.util.Comparator.comparingInt(i -> position[b.index()[i]])).mapToInt(Integer::intValue).toArray();
        int w = b.width();
        int[] index = new int[rows.length];
        float[] labels = new float[rows.length];
        byte[] pixels = b.pixels() == null ? null : new byte[rows.length * w];
        float[] features = b.features() == null ? null : new float[rows.length * w];
        for (int r = 0; r < rows.length; r++) {
            int i = rows[r];
            index[r] = position[b.index()[i]] - (validation ? 0 : nVal);
            labels[r] = b.labels()[i];
            if (pixels != null) {
                System.arraycopy(b.pixels(), i * w, pixels, r * w, w);
            } else {
                System.arraycopy(b.features(), i * w, features, r * w, w);
            }
        }
        return new Block(index, pixels, features, labels, w);
    }

    private static long[] blockStats(Block b) {
        int rows = b.rows();
        long maxLabel = -1;
        for (float label : b.labels()) {
            maxLabel = Math.max(maxLabel, (long) label);
        }
        long width = rows == 0 ? -1 : b.width();
        return new long[] {rows, maxLabel, rows == 0 ? Long.MAX_VALUE : width, width};
    }

    private static long[] mergeStats(long[] a, long[] b) {
        return new long[] {a[0] + b[0], Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.max(a[3], b[3])};
    }

    /** The cached blocks, one per partition, with the features as read: {@link #standardization} is not applied to them. */
    JavaRDD<Block> blocks() {
        return blocks;
    }

    /**
     * The same rows, sharing the cached blocks, whose features training and evaluation standardize by {@code s} as
     * they gather each batch ({@code --normalize}): the blocks keep the values as read, 8-bit pixels staying 8-bit.
     */
    DistributedDataset standardizedWith(Standardization s) {
        return new DistributedDataset(this, s);
    }

    /** How the features are standardized when a batch is gathered; {@link Standardization#NONE} unless {@link #standardizedWith}. */
    Standardization standardization() {
        return standardization;
    }

    /** Number of rows. */
    public int size() {
        return size;
    }

    /** Values per row. */
    public int featureSize() {
        return featureSize;
    }

    /**
     * One sample's shape: [C, H, W] for images (an IDX directory's, {@link #readIdx}, or a data set of images given to
     * {@link #of}), whose rows hold them flattened in that order; else [{@link #featureSize()}].
     */
    public int[] sampleShape() {
        return imageShape != null ? imageShape.clone() : new int[] {featureSize};
    }

    /** Number of classes: the largest label + 1 (at least the source's own count, e.g. 10 for IDX). */
    public int numClasses() {
        return numClasses;
    }

    /** The number of rows of each class 0..numClasses-1 (one Spark job over the cached blocks). */
    long[] classCounts(int numClasses) {
        return blocks.map(b -> {
            long[] counts = new long[numClasses];
            for (float label : b.labels()) {
                counts[(int) label]++;
            }
            return counts;
        }).reduce((a, b) -> {
            for (int c = 0; c < a.length; c++) {
                a[c] += b[c];
            }
            return a;
        });
    }

    /**
     * The names of classes 0, 1, ..., in sorted order (by code point, as jgrad train numbers a CSV file's), where the
     * labels were class names (or the read was given them); empty where they were class indices.
     */
    public List<String> classNames() {
        return classNames;
    }

    /** The labels the rows have, as a set of class indices (one Spark job over the cached blocks). */
    java.util.BitSet labels() {
        return blocks.map(b -> {
            java.util.BitSet set = new java.util.BitSet();
            for (float label : b.labels()) {
                set.set((int) label);
            }
            return set;
        }).reduce((a, b) -> {
            a.or(b);
            return a;
        });
    }

    /** The DataFrame columns the features come from, in order; null when the data did not come from a DataFrame. */
    List<String> featureColumns() {
        return featureColumns;
    }

    /** The DataFrame column of the labels; null when the data did not come from a DataFrame. */
    String labelColumn() {
        return labelColumn;
    }

    /** Number of partitions. */
    public int partitions() {
        return blocks.getNumPartitions();
    }

    /** Drops the cached blocks from executor memory. */
    public void unpersist() {
        blocks.unpersist(false);
    }
}
