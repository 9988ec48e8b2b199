package org.bitsearch.bench;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code bitsearch.bench.e2e.asha} override of figure 9's Pareto-ASHA settings. */
class EndToEndAshaSettingsTest {
    @Test void defaultsWithoutTheProperty() {
        assertEquals(Map.of("minResource", "1", "maxResource", "4", "reductionFactor", "2", "keepFront", "true"),
                EndToEndBench.ashaSettings(null, 4));
        assertEquals(EndToEndBench.ashaSettings(null, 4), EndToEndBench.ashaSettings("  ", 4));
    }

    @Test void entriesOverrideTheirKeysOnly() {
        Map<String, String> m = EndToEndBench.ashaSettings("minResource=2, reductionFactor=3,keepFront=false", 4);
        assertEquals(Map.of("minResource", "2", "maxResource", "4", "reductionFactor", "3", "keepFront", "false"), m);
    }

    @Test void unknownKeyOrBadValueNamesThePropertyAndTheEntry() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EndToEndBench.ashaSettings("eta=3", 4));
        assertTrue(e.getMessage().contains("bitsearch.bench.e2e.asha") && e.getMessage().contains("eta=3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EndToEndBench.ashaSettings("minResource=two", 4));
        assertTrue(e.getMessage().contains("minResource=two") && e.getMessage().contains("integer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EndToEndBench.ashaSettings("keepFront=yes", 4));
        assertTrue(e.getMessage().contains("true or false"), e.getMessage());
    }
}
