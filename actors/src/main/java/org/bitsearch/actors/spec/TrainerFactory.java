package org.bitsearch.actors.spec;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import org.bitsearch.search.trainer.ParamRule;
import org.bitsearch.search.trainer.Trainer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Builds the {@link Trainer} of a search from the spec's {@code trainer} object, keyed by {@code trainer.kind}.
 * The other fields bind (Jackson) to the kind's config record. Immutable once built; thread-safe.
 *
 * <p>{@link #standard()} knows {@code dl4j} and {@code simulated}; tests and embedders may {@link #with} more.
 */
public final class TrainerFactory {
    private static final ObjectMapper BINDER = JsonMapper.builder()
            .addModule(new Jdk8Module())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    /**
     * One kind of trainer: its config record type, how to build the trainer from a config, and the hyperparameters
     * its trainers read ({@code params}, declared next to the code that reads them). A search space for this kind
     * may contain exactly the declared names, each within its rule.
     */
    public record Kind<C>(String name, Class<C> configType, Function<C, Trainer> create, List<ParamRule> params) {
        public Kind {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("kind name must not be blank");
            if (configType == null || create == null) throw new IllegalArgumentException("configType and create must not be null");
            if (params == null) throw new IllegalArgumentException("params must not be null (an empty list declares none)");
            params = List.copyOf(params);
        }
    }

    /**
     * Wraps every trainer this factory builds, given the kind and the trainer object it was built from (as the spec
     * wrote it, without {@code kind}); the cluster uses it to route runs to workers, which rebuild the trainer there.
     */
    @FunctionalInterface
    public interface Decorator {
        Trainer decorate(String kind, ObjectNode config, Trainer trainer);
    }

    private final Map<String, Kind<?>> kinds;
    private final Optional<Path> defaultDataDir;
    private final Optional<Path> dataDirOverride;
    private final Decorator decorator;

    private TrainerFactory(Map<String, Kind<?>> kinds, Optional<Path> defaultDataDir, Optional<Path> dataDirOverride,
                           Decorator decorator) {
        this.kinds = Map.copyOf(kinds);
        this.defaultDataDir = defaultDataDir;
        this.dataDirOverride = dataDirOverride;
        this.decorator = decorator;
    }

    /** A factory that knows no kinds yet. */
    public static TrainerFactory empty() { return new TrainerFactory(Map.of(), Optional.empty(), Optional.empty(), (k, c, t) -> t); }

    /** A copy whose trainers are wrapped by {@code d} (after any decorator already set). */
    public TrainerFactory withDecorator(Decorator d) {
        Decorator before = decorator;
        return new TrainerFactory(kinds, defaultDataDir, dataDirOverride, (k, c, t) -> d.decorate(k, c, before.decorate(k, c, t)));
    }

    /**
     * A copy that replaces the {@code dataDir} of any config type that has such a field with {@code dir}, whatever the
     * spec says (a cluster worker reads its own data directory).
     */
    public TrainerFactory withDataDirOverride(Path dir) {
        return new TrainerFactory(kinds, defaultDataDir, Optional.of(dir.toAbsolutePath().normalize()), decorator);
    }

    /**
     * Builds the trainer of {@code kindName} from {@code config} (the spec's trainer object without {@code kind}),
     * undecorated.
     *
     * @throws SpecException listing every problem, each under {@code trainer}
     */
    public Trainer build(String kindName, ObjectNode config) throws SpecException {
        Problems problems = new Problems();
        Kind<?> kind = kinds.get(kindName);
        if (kind == null) problems.add("trainer.kind", kindName, "must be one of " + kinds());
        Optional<Trainer> t = kind == null ? Optional.empty() : build(kind, config, "trainer", problems);
        problems.throwIfAny();
        return t.orElseThrow();
    }

    /** A copy that also knows {@code kind} (replacing one of the same name). */
    public TrainerFactory with(Kind<?> kind) {
        Map<String, Kind<?>> copy = new LinkedHashMap<>(kinds);
        copy.put(kind.name(), kind);
        return new TrainerFactory(copy, defaultDataDir, dataDirOverride, decorator);
    }

    /**
     * A copy that fills a missing {@code dataDir} of any config type that has such a field with {@code dir}
     * (the server's default dataset directory).
     */
    public TrainerFactory withDefaultDataDir(Path dir) {
        return new TrainerFactory(kinds, Optional.of(dir.toAbsolutePath().normalize()), dataDirOverride, decorator);
    }

    public Set<String> kinds() { return new TreeSet<>(kinds.keySet()); }

    /** The hyperparameters the trainers of {@code kindName} read; empty if the kind is unknown. */
    public Optional<List<ParamRule>> params(String kindName) {
        return Optional.ofNullable(kinds.get(kindName)).map(Kind::params);
    }

    /**
     * Binds {@code config} (the spec's trainer object without {@code kind}) and builds the trainer. Reports
     * problems under {@code path} instead of throwing; returns empty if there were any.
     */
    Optional<Trainer> create(String kindName, ObjectNode config, String path, Problems problems) {
        Kind<?> kind = kinds.get(kindName);
        if (kind == null) {
            problems.add(path + ".kind", kindName, "must be one of " + kinds());
            return Optional.empty();
        }
        return build(kind, config, path, problems).map(t -> decorator.decorate(kindName, config.deepCopy(), t));
    }

    private <C> Optional<Trainer> build(Kind<C> kind, ObjectNode config, String path, Problems problems) {
        ObjectNode tree = config.deepCopy();
        Set<String> known = knownFields(kind.configType());
        if (!known.isEmpty()) {
            boolean unknown = false;
            for (Iterator<String> it = tree.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!known.contains(f)) {
                    problems.addRaw(path + "." + f + " is not a known field of the " + kind.name()
                            + " trainer; known fields are " + new TreeSet<>(known));
                    unknown = true;
                }
            }
            if (unknown) return Optional.empty();
            if (known.contains("dataDir") && !tree.hasNonNull("dataDir") && defaultDataDir.isPresent())
                tree.put("dataDir", defaultDataDir.get().toString());
            if (known.contains("dataDir") && dataDirOverride.isPresent())
                tree.put("dataDir", dataDirOverride.get().toString());
        }
        C bound;
        try {
            bound = BINDER.treeToValue(tree, kind.configType());
        } catch (ValueInstantiationException e) {
            // a config reports all its problems at once, one per line
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            for (String line : String.valueOf(cause.getMessage()).split("\n"))
                if (!line.isBlank()) problems.addRaw(path + ": " + line);
            return Optional.empty();
        } catch (JsonMappingException e) {
            String field = e.getPath().stream()
                    .map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining());
            problems.addRaw(path + field + ": " + e.getOriginalMessage());
            return Optional.empty();
        } catch (Exception e) {
            problems.addRaw(path + ": " + e.getMessage());
            return Optional.empty();
        }
        try {
            return Optional.of(kind.create().apply(bound));
        } catch (RuntimeException e) {
            problems.addRaw(path + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    private static Set<String> knownFields(Class<?> type) {
        if (!type.isRecord()) return Set.of();
        return Arrays.stream(type.getRecordComponents()).map(c -> c.getName()).collect(Collectors.toSet());
    }
}
