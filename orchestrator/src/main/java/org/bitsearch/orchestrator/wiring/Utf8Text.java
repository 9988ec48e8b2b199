package org.bitsearch.orchestrator.wiring;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Strict UTF-8 decoding of a spec (file or request body): bytes that are not UTF-8 are an error, not U+FFFD. */
public final class Utf8Text {
    private Utf8Text() {}

    /**
     * The text of {@code bytes} (a leading byte-order mark dropped), or empty if they are not UTF-8; then
     * {@link #firstBadByte} says where.
     */
    public static Optional<String> decode(byte[] bytes) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            String s = d.decode(ByteBuffer.wrap(bytes)).toString();
            return Optional.of(s.startsWith("\uFEFF") ? s.substring(1) : s);
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    /** The offset of the first byte that is not valid UTF-8, or -1 if all are. */
    public static long firstBadByte(byte[] bytes) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult r = d.decode(in, out, true);
        return r.isError() ? in.position() : -1;
    }

    /** "is not UTF-8 text (byte 12 is 0xe9); save it as UTF-8". */
    public static String problem(byte[] bytes) {
        long at = firstBadByte(bytes);
        return "is not UTF-8 text" + (at >= 0 ? String.format(" (byte %d is 0x%02x)", at, bytes[(int) at] & 0xFF) : "")
                + "; save it as UTF-8";
    }
}
