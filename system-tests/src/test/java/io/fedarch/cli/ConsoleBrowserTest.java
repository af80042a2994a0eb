package io.fedarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import io.fedarch.events.JobSpec;
import io.fedarch.events.SearchStatus;

/**
 * The live console in a real browser (Debian's chromium through chromedriver) during a real FedNAS job on the local
 * stack: the page signs in with the API token, the job appears, the accuracy curves and the round table grow as rounds
 * close without the page being reloaded, the α heat-maps and the genotype's cell diagram show, and the job ends as
 * model-ready. Leaves a screenshot in target/console.png (and in docs/images/console.png, the README's, when
 * run with -Dfedarch.console.update-screenshot=true).
 */
class ConsoleBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String JOB_NAME = "console-browser-test";

    @TempDir
    static Path runDir;
    private static LocalStack stack;
    private static WebDriver browser;

    @BeforeAll
    static void start() {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "needs Debian's chromium and chromium-driver (./fedarch test installs them)");
        Path home = Path.of(System.getProperty("fedarch.home", "..")).toAbsolutePath().normalize();
        stack = LocalStack.start(new StackOptions(home, runDir, 1, DatasetCheck.DEFAULT_DIR), System.out);
        // The driver's path is given, so Selenium Manager never tries to download one (there is no network).
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,2600", "--user-data-dir=" + runDir.resolve("chromium"));
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void theConsoleFollowsARunningFedNasJobLive() throws Exception {
        browser.get(stack.consoleUrl());
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        // The stack's API has a token, so the page asks for it first.
        wait.until(d -> d.findElement(By.id("login")).isDisplayed());
        browser.findElement(By.id("token")).sendKeys(Files.readString(stack.apiTokenFile()).strip());
        browser.findElement(By.cssSelector("#login-form button")).click();
        wait.until(d -> d.findElement(By.id("console")).isDisplayed());
        wait.until(d -> d.findElement(By.id("stream")).getText().equals("live"));
        // Survives only as long as the page is not reloaded.
        js("window.fedarchNotReloaded = true;");

        JobSpec spec = JobFile.read(stack.home().resolve("examples/fednas-tiny.yaml")).spec();
        spec.setName(JOB_NAME);
        spec.setRounds(3);
        spec.setPersonalizationEpochs(0);
        spec.getData().setTrainLimit(300);
        spec.getData().setTestLimit(100);
        java.util.Map<String, String> hyperParameters = new java.util.HashMap<>(spec.getHyperParameters());
        hyperParameters.put("fineTuneRounds", "0"); // the searched network is the result: model-ready comes sooner
        spec.setHyperParameters(hyperParameters);
        CompletableFuture<JobOutcome> job = CompletableFuture.supplyAsync(() -> new JobRunner(stack.bootstrapServers())
                .run(spec, Duration.ofMinutes(8), new ConsoleProgress(System.out)));

        WebDriverWait slow = new WebDriverWait(browser, Duration.ofMinutes(8), Duration.ofMillis(250));
        WebElement row = slow.until(d -> d.findElements(By.cssSelector("#jobs tbody tr.job")).stream()
                .filter(r -> r.getText().contains(JOB_NAME)).findFirst().orElse(null));
        String jobId = row.getAttribute("data-job-id");
        row.click();
        slow.until(d -> d.findElement(By.id("job-id")).getText().equals(jobId));

        // A first round closes, then more: the chart's points and the table's rows grow in place.
        slow.until(d -> rounds() >= 1);
        int firstRounds = rounds();
        int firstPoints = points();
        assertTrue(firstPoints >= 1, "a closed round is plotted");
        slow.until(d -> rounds() > firstRounds);
        assertTrue(points() > firstPoints, "the curves grew with the round table");

        // α per cell and edge: 2 cells x 14 edges x the job's operations.
        slow.until(d -> !d.findElements(By.cssSelector("#alpha-heatmap rect.cell")).isEmpty());
        int cells = browser.findElements(By.cssSelector("#alpha-heatmap rect.cell")).size();
        assertEquals(0, cells % (2 * 14), "whole rows of both cells: " + cells);
        assertFalse(browser.findElements(By.cssSelector("#genotype svg path.gene")).isEmpty(), "the genotype's cell diagram");

        JobOutcome outcome = job.get(9, TimeUnit.MINUTES);
        assertEquals(SearchStatus.SUCCEEDED, outcome.completion().getStatus());
        slow.until(d -> d.findElement(By.id("job-state")).getText().equals("model-ready"));
        slow.until(d -> !d.findElements(By.cssSelector("#models tbody tr[data-scope='GLOBAL']")).isEmpty());
        assertEquals(3, rounds(), "every search round is in the table");
        assertTrue(Boolean.TRUE.equals(js("return window.fedarchNotReloaded === true;")), "the page was never reloaded");
        String architecture = browser.findElement(By.cssSelector("#models tbody tr[data-scope='GLOBAL']")).getText();
        assertTrue(architecture.contains(outcome.globalModel().getArchitecture().substring(0, 20)), architecture);

        File shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
        Path target = Path.of("target", "console.png").toAbsolutePath();
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        assertTrue(Files.size(target) > 10_000, "a real screenshot: " + Files.size(target) + " bytes");
        // The README's picture is refreshed on request only, so a test run leaves the checkout unchanged:
        // mvn -pl system-tests verify -Dtest=ConsoleBrowserTest -Dfedarch.console.update-screenshot=true
        if (Boolean.getBoolean("fedarch.console.update-screenshot")) {
            Path docs = stack.home().resolve("docs/images/console.png");
            Files.createDirectories(docs.getParent());
            Files.copy(target, docs, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static int rounds() {
        return browser.findElements(By.cssSelector("#rounds tbody tr")).size();
    }

    private static int points() {
        return browser.findElements(By.cssSelector("#accuracy-chart circle.point")).size();
    }

    private static Object js(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }
}
