package org.bitsearch.trainers.dl4j.data;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.nio.file.Path;
import java.util.List;

/**
 * The {@code trainer.data:} section of a spec: a dataset given by its file format rather than its name. Each
 * format has a training and a test part; the validation split is held out of the training part as for the named
 * datasets ({@link DataSplit}).
 *
 * <ul>
 *   <li>{@code idx}: {@code dir} holds the four MNIST-style files ({@code train-images-idx3-ubyte},
 *       {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, gzip or
 *       not); one channel, the files' rows x cols.</li>
 *   <li>{@code cifar}: {@code dir} holds CIFAR binary batches: CIFAR-10 ({@code data_batch_1.bin ...
 *       data_batch_5.bin} or any {@code data_batch_*.bin}, and {@code test_batch.bin}; records of 1 label byte +
 *       3072 pixel bytes) or CIFAR-100 ({@code train.bin}, {@code test.bin}; records of a coarse and a fine label
 *       byte + 3072 pixel bytes, the fine label is used); 3 x 32 x 32, 10 or 100 classes.</li>
 *   <li>{@code images}: {@code dir} holds {@code train/<class>/*} and {@code test/<class>/*} (PNG or JPEG, read with
 *       the JDK's ImageIO); the classes are the sorted folder names under {@code train/}; every image is resized
 *       (bilinear) to {@code height} x {@code width} with {@code channels} 1 (grey) or 3 (RGB).</li>
 *   <li>{@code csv}: {@code file} (training) and {@code testFile}, comma-separated, numeric features and one label
 *       column ({@code labelColumn}: a header name or a 0-based index; default the last column); a first line
 *       that is not numeric is a header. Labels that are all integers >= 0 are used as class indices, otherwise
 *       the sorted distinct names of the training labels are. With {@code normalize} (default true) every
 *       feature is standardised with the training part's mean and standard deviation.</li>
 * </ul>
 *
 * @param format      idx, cifar, images or csv (required)
 * @param dir         the directory of idx, cifar and images data
 * @param file        the CSV training file
 * @param testFile    the CSV test file
 * @param labelColumn CSV label column: header name or 0-based index (default: last column)
 * @param width       images: width after resizing (default 32)
 * @param height      images: height after resizing (default 32)
 * @param channels    images: 1 (grey) or 3 (RGB, default)
 * @param normalize   csv: standardise features (default true)
 */
public record DataConfig(String format, String dir, String file, String testFile, String labelColumn,
                         int width, int height, int channels, boolean normalize) {
    public static final List<String> FORMATS = List.of("idx", "cifar", "images", "csv");

    public DataConfig {
        if (format == null || format.isBlank()) throw new IllegalArgumentException("data.format is required (one of " + FORMATS + ")");
        if (!FORMATS.contains(format))
            throw new IllegalArgumentException("data.format is '" + format + "', but must be one of " + FORMATS);
        if (format.equals("csv")) {
            if (file == null || file.isBlank()) throw new IllegalArgumentException("data.file is required for format csv (the training CSV)");
            if (testFile == null || testFile.isBlank()) throw new IllegalArgumentException("data.testFile is required for format csv");
            if (dir != null) throw new IllegalArgumentException("data.dir is not used by format csv: give data.file and data.testFile");
        } else {
            if (dir == null || dir.isBlank()) throw new IllegalArgumentException("data.dir is required for format " + format);
            if (file != null || testFile != null)
                throw new IllegalArgumentException("data.file/data.testFile are only for format csv; format " + format + " reads data.dir");
            if (labelColumn != null) throw new IllegalArgumentException("data.labelColumn is only for format csv");
        }
        if (width < 1 || width > 4096) throw new IllegalArgumentException("data.width is " + width + ", but must be 1..4096");
        if (height < 1 || height > 4096) throw new IllegalArgumentException("data.height is " + height + ", but must be 1..4096");
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("data.channels is " + channels + ", but must be 1 or 3");
    }

    @JsonCreator
    static DataConfig json(@JsonProperty("format") String format, @JsonProperty("dir") String dir,
                           @JsonProperty("file") String file, @JsonProperty("testFile") String testFile,
                           @JsonProperty("labelColumn") String labelColumn, @JsonProperty("width") Integer width,
                           @JsonProperty("height") Integer height, @JsonProperty("channels") Integer channels,
                           @JsonProperty("normalize") Boolean normalize) {
        return new DataConfig(format, dir, file, testFile, labelColumn, width == null ? 32 : width,
                height == null ? 32 : height, channels == null ? 3 : channels, normalize == null || normalize);
    }

    /** A config of {@code format} reading {@code dir} with every other field at its default. */
    public static DataConfig dir(String format, Path dir) {
        return json(format, dir.toString(), null, null, null, null, null, null, null);
    }

    /** A CSV config with the label in {@code labelColumn} (null: the last column). */
    public static DataConfig csv(Path file, Path testFile, String labelColumn) {
        return json("csv", null, file.toString(), testFile.toString(), labelColumn, null, null, null, null);
    }

    /** An images config resizing to height x width with {@code channels}. */
    public static DataConfig images(Path dir, int width, int height, int channels) {
        return json("images", dir.toString(), null, null, null, width, height, channels, null);
    }

    /** Where the data is, for messages: the directory or the training file. */
    public String location() { return dir != null ? dir : file; }
}
