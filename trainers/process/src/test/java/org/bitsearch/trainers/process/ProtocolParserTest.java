package org.bitsearch.trainers.process;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProtocolParserTest {
    @Test
    void parsesEveryMessage() throws Exception {
        assertEquals(new ProtocolMessage.Epoch(2, 0.83, 0.47, 0.41, "epoch-2.pt", 0),
                ProtocolParser.parse("{\"type\":\"epoch\",\"epoch\":2,\"valAccuracy\":0.83,\"valLoss\":0.47,\"trainLoss\":0.41,\"checkpoint\":\"epoch-2.pt\"}"));
        assertEquals(new ProtocolMessage.Epoch(1, 0.5, 1, 2, "/abs/c", 1200.5),
                ProtocolParser.parse(" {\"type\":\"epoch\",\"epoch\":1,\"valAccuracy\":0.5,\"valLoss\":1,\"trainLoss\":2,\"checkpoint\":\"/abs/c\",\"samplesPerSecond\":1200.5,\"extra\":[1]}"));
        assertEquals(new ProtocolMessage.Epoch(3, 0.4, 1, 1, "c", 0, 0.7),
                ProtocolParser.parse("{\"type\":\"epoch\",\"epoch\":3,\"valAccuracy\":0.4,\"valLoss\":1,\"trainLoss\":1,\"checkpoint\":\"c\",\"currentAccuracy\":0.7}"));
        assertThrows(ProtocolException.class, () -> ProtocolParser.parse(
                "{\"type\":\"epoch\",\"epoch\":3,\"valAccuracy\":0.4,\"valLoss\":1,\"trainLoss\":1,\"checkpoint\":\"c\",\"currentAccuracy\":1.5}"));
        assertEquals(new ProtocolMessage.Test(0.84), ProtocolParser.parse("{\"type\":\"test\",\"testAccuracy\":0.84}"));
        assertEquals(new ProtocolMessage.Exported(), ProtocolParser.parse("{\"type\":\"exported\"}"));
    }

    @Test
    void aDivergedEpochParsesWithNaN() throws Exception {
        ProtocolMessage.Epoch e = (ProtocolMessage.Epoch) ProtocolParser.parse(
                "{\"type\":\"epoch\",\"epoch\":3,\"valAccuracy\":0.1,\"valLoss\":NaN,\"trainLoss\":null,\"checkpoint\":\"c\"}");
        assertTrue(Double.isNaN(e.valLoss()) && Double.isNaN(e.trainLoss()));
    }

    @Test
    void onlyLinesStartingWithABraceAreMessages() {
        assertTrue(ProtocolParser.isMessage("  {\"type\":\"epoch\"}"));
        assertFalse(ProtocolParser.isMessage("epoch 1: loss 0.3"));
        assertFalse(ProtocolParser.isMessage(""));
    }

    @Test
    void rejectsEveryBrokenRuleWithTheLineAndTheRule() {
        assertRejected("{\"type\":\"epoch\",", "not a JSON object");
        assertRejected("{\"type\":\"epoch\"} trailing", "not a JSON object");
        assertRejected("{\"epoch\":1}", "\"type\" is missing, but must be one of epoch, test, exported");
        assertRejected("{\"type\":\"progress\"}", "type is 'progress', but must be one of epoch, test, exported");
        assertRejected("{\"type\":\"epoch\",\"epoch\":\"2\",\"valAccuracy\":0.5,\"valLoss\":1,\"trainLoss\":1,\"checkpoint\":\"c\"}",
                "\"epoch\" is \"2\", but must be an integer");
        assertRejected("{\"type\":\"epoch\",\"epoch\":1.5,\"valAccuracy\":0.5,\"valLoss\":1,\"trainLoss\":1,\"checkpoint\":\"c\"}",
                "\"epoch\" is 1.5, but must be an integer");
        assertRejected("{\"type\":\"epoch\",\"epoch\":0,\"valAccuracy\":0.5,\"valLoss\":1,\"trainLoss\":1,\"checkpoint\":\"c\"}",
                "epoch is 0, but must be >= 1");
        assertRejected("{\"type\":\"epoch\",\"epoch\":1,\"valAccuracy\":1.5,\"valLoss\":1,\"trainLoss\":1,\"checkpoint\":\"c\"}",
                "valAccuracy is 1.5, but must be in [0, 1]");
        assertRejected("{\"type\":\"epoch\",\"epoch\":1,\"valAccuracy\":0.5,\"trainLoss\":1,\"checkpoint\":\"c\"}",
                "\"valLoss\" is missing, but must be a number (or null when diverged)");
        assertRejected("{\"type\":\"epoch\",\"epoch\":1,\"valAccuracy\":0.5,\"valLoss\":1,\"trainLoss\":1}",
                "\"checkpoint\" is missing, but must be a non-empty string");
        assertRejected("{\"type\":\"test\",\"testAccuracy\":null}", "\"testAccuracy\" is null, but must be a number");
        assertRejected("{\"type\":\"test\",\"testAccuracy\":-0.1}", "testAccuracy is -0.1, but must be in [0, 1]");
        assertRejected("[1, 2]", "not a JSON object");
    }

    private static void assertRejected(String line, String rule) {
        ProtocolException e = assertThrows(ProtocolException.class, () -> ProtocolParser.parse(line));
        assertTrue(e.getMessage().contains(rule), e.getMessage());
        assertTrue(e.getMessage().startsWith("malformed line '" + line.substring(0, Math.min(line.length(), 20))), e.getMessage());
    }
}
