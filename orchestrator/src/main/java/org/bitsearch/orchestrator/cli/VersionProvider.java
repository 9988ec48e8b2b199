package org.bitsearch.orchestrator.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Reads the version Maven wrote into {@code bitsearch-version.properties}. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override public String[] getVersion() throws IOException {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("/bitsearch-version.properties")) {
            if (in != null) p.load(in);
        }
        return new String[] {"bitsearch " + p.getProperty("version", "unknown"),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
    }
}
