package org.bitsearch.tests.ui;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Starts Debian's headless Chromium through its chromedriver (no Selenium Manager, no downloads). The binaries
 * default to {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver}; the system properties
 * {@code bitsearch.chromium} and {@code bitsearch.chromedriver} override them. If the browser cannot start,
 * {@link #start} throws: a test using it fails rather than skips, in CI and locally.
 */
final class HeadlessChromium {
    private HeadlessChromium() {}

    static ChromeDriver start(Path profileDir, int width, int height) {
        String chromium = System.getProperty("bitsearch.chromium", "/usr/bin/chromium");
        String chromedriver = System.getProperty("bitsearch.chromedriver", "/usr/bin/chromedriver");
        for (String binary : new String[] {chromium, chromedriver})
            if (!Files.isExecutable(Path.of(binary)))
                throw new IllegalStateException(binary + " is missing or not executable: install Debian's chromium and "
                        + "chromium-driver (apt-get install chromium chromium-driver), as .ci/run does");
        try {
            Files.createDirectories(profileDir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the browser profile " + profileDir, e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--user-data-dir=" + profileDir.toAbsolutePath(), "--window-size=" + width + "," + height,
                "--hide-scrollbars", "--force-device-scale-factor=1");
        options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(chromedriver)).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}
