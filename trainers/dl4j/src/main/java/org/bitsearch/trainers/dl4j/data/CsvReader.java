package org.bitsearch.trainers.dl4j.data;

import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Reads a CSV classification dataset: comma-separated lines of numeric features and one label column (see
 * {@link DataConfig}). Blank lines are skipped; fields may be wrapped in double quotes (no embedded commas).
 * The test file must have the training file's columns and only labels the training file has. Features are
 * standardised with the training file's mean and standard deviation ({@code normalize}; a constant feature is
 * only centred). The result is 1 x 1 x features per sample.
 */
public final class CsvReader {
    private CsvReader() {}

    /** A parsed file: optional header, rows of fields, and each row's line number. */
    private record Table(Path file, List<String> header, List<String[]> rows, List<Integer> lines) {}

    static Dataset read(DataConfig c) throws IOException {
        Table train = table(Path.of(c.file())), test = table(Path.of(c.testFile()));
        int columns = train.rows().get(0).length;
        if (columns < 2) throw new DataFileException(train.file(), "has " + columns + " column, but needs features and a label");
        int label = labelIndex(train, c.labelColumn(), columns);
        if (test.rows().get(0).length != columns)
            throw new DataFileException(test.file(), "has " + test.rows().get(0).length + " columns, but " + train.file().getFileName() + " has " + columns);
        List<String> names = labelNames(train, label);
        int classes = names == null ? 0 : names.size();
        int[] ty = labels(train, label, names), sy = labels(test, label, names);
        if (names == null) for (int y : ty) classes = Math.max(classes, y + 1);
        for (int i = 0; i < sy.length; i++)
            if (sy[i] >= classes)
                throw new DataFileException(test.file(), "line " + test.lines().get(i) + ": label " + sy[i] + " is not among the " + classes + " training classes");
        if (classes < 2) throw new DataFileException(train.file(), "has " + classes + " class, but needs at least 2");
        int f = columns - 1;
        float[] tx = features(train, label, f), sx = features(test, label, f);
        if (c.normalize()) standardise(tx, sx, f);
        return new Dataset("csv", 1, 1, f, classes, Nd4j.create(tx, new long[]{ty.length, f}, 'c'), ty,
                Nd4j.create(sx, new long[]{sy.length, f}, 'c'), sy);
    }

    private static Table table(Path file) throws IOException {
        List<String[]> rows = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        List<String> header = null;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                String[] fields = line.split(",", -1);
                for (int i = 0; i < fields.length; i++) fields[i] = unquote(fields[i].strip());
                if (rows.isEmpty() && header == null && fields.length > 1 && !numericRow(fields)) {
                    header = List.of(fields);
                    continue;
                }
                int expected = header != null ? header.size() : rows.isEmpty() ? fields.length : rows.get(0).length;
                if (fields.length != expected)
                    throw new DataFileException(file, "line " + n + " has " + fields.length + " fields, but the first has " + expected);
                rows.add(fields);
                lines.add(n);
            }
        } catch (NoSuchFileException e) {
            throw new DataFileException(file, "file not found", e);
        }
        if (rows.isEmpty()) throw new DataFileException(file, "holds no data rows");
        return new Table(file, header, rows, lines);
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }

    /** A row is data if at most one field (the label may be a name) is not a number; a header has two or more. */
    private static boolean numericRow(String[] fields) {
        int bad = 0;
        for (String f : fields) if (!number(f)) bad++;
        return bad <= 1;
    }

    private static boolean number(String s) {
        try {
            return Double.isFinite(Double.parseDouble(s));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static int labelIndex(Table t, String column, int columns) throws DataFileException {
        if (column == null) return columns - 1;
        if (t.header() != null && t.header().contains(column)) return t.header().indexOf(column);
        try {
            int i = Integer.parseInt(column);
            if (i < 0 || i >= columns)
                throw new DataFileException(t.file(), "labelColumn is " + i + ", but the file has columns 0.." + (columns - 1));
            return i;
        } catch (NumberFormatException e) {
            throw new DataFileException(t.file(), "labelColumn '" + column + "' is neither a header name "
                    + (t.header() == null ? "(the file has no header)" : t.header().toString()) + " nor a column index");
        }
    }

    /** Null when every training label is an integer >= 0 (they are the class indices), else the sorted names. */
    private static List<String> labelNames(Table t, int label) {
        boolean integers = true;
        TreeSet<String> names = new TreeSet<>();
        for (String[] r : t.rows()) {
            names.add(r[label]);
            if (!r[label].matches("\\d{1,6}")) integers = false;
        }
        return integers ? null : List.copyOf(names);
    }

    private static int[] labels(Table t, int label, List<String> names) throws DataFileException {
        int[] y = new int[t.rows().size()];
        for (int i = 0; i < y.length; i++) {
            String v = t.rows().get(i)[label];
            if (names != null) {
                y[i] = names.indexOf(v);
                if (y[i] < 0)
                    throw new DataFileException(t.file(), "line " + t.lines().get(i) + ": label '" + v + "' is not among the training labels " + names);
            } else {
                if (!v.matches("\\d{1,6}"))
                    throw new DataFileException(t.file(), "line " + t.lines().get(i) + ": label '" + v + "' is not an integer >= 0 like the training labels");
                y[i] = Integer.parseInt(v);
            }
        }
        return y;
    }

    private static float[] features(Table t, int label, int f) throws DataFileException {
        float[] x = new float[t.rows().size() * f];
        for (int i = 0; i < t.rows().size(); i++) {
            String[] r = t.rows().get(i);
            for (int j = 0, k = 0; j < r.length; j++) {
                if (j == label) continue;
                double v;
                try {
                    v = Double.parseDouble(r[j]);
                } catch (NumberFormatException e) {
                    v = Double.NaN;
                }
                if (!Double.isFinite(v))
                    throw new DataFileException(t.file(), "line " + t.lines().get(i) + ", column " + j + ": '" + r[j] + "' is not a finite number");
                x[i * f + k++] = (float) v;
            }
        }
        return x;
    }

    private static void standardise(float[] train, float[] test, int f) {
        int n = train.length / f;
        for (int j = 0; j < f; j++) {
            double sum = 0, sq = 0;
            for (int i = 0; i < n; i++) sum += train[i * f + j];
            double mean = sum / n;
            for (int i = 0; i < n; i++) sq += (train[i * f + j] - mean) * (train[i * f + j] - mean);
            double sd = Math.sqrt(sq / n);
            double inv = sd > 1e-12 ? 1 / sd : 1;
            for (int i = 0; i < n; i++) train[i * f + j] = (float) ((train[i * f + j] - mean) * inv);
            for (int i = 0; i < test.length / f; i++) test[i * f + j] = (float) ((test[i * f + j] - mean) * inv);
        }
    }
}
