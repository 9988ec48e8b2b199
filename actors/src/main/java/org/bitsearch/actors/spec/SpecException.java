package org.bitsearch.actors.spec;

import java.util.List;

/**
 * A search spec failed validation. {@link #problems()} lists every problem found, each naming the field, the
 * value and the rule ("budget.maxTrials is 0, but must be >= 1"). Nothing was written.
 */
public class SpecException extends Exception {
    private final List<String> problems;

    public SpecException(List<String> problems) {
        super(problems.size() == 1 ? "invalid search spec: " + problems.get(0)
                : "invalid search spec, " + problems.size() + " problems:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() { return problems; }
}
