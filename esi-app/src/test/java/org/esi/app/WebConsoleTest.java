package org.esi.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.esi.testing.TestClient;
import org.esi.testing.TestingEsiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in Debian's headless Chromium, as its users would use it: a lessee finds an offer and
 * claims a window by dragging on its free bar, an owner offers a node by the form and sees it on the
 * node's timeline, and a lessee of another project sees none of that. Screenshots of every page go to
 * {@code target/ui-screenshots/} for a reviewer.
 */
class WebConsoleTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SHOTS = Path.of("target", "ui-screenshots");

    static TestingEsiServer esi;
    static TestClient http;
    static String ownerProject;
    static String lesseeProject;
    static String otherProject;
    static String bigNode;
    static String smallNode;
    WebDriver browser;
    WebDriverWait wait;

    @BeforeAll
    static void start() throws IOException {
        boolean ci = "true".equals(System.getenv("CI"));
        assumeTrue(ci || (Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER)),
                "Debian's chromium and chromium-driver are not installed (.ci/run installs them)");
        esi = TestingEsiServer.start();
        http = esi.client();
        ownerProject = esi.createProject("ui-owners", null);
        lesseeProject = esi.createProject("ui-lessees", null);
        otherProject = esi.createProject("ui-others", null);
        String owner = esi.userToken("olive", ownerProject, "owner");
        esi.userToken("lena", lesseeProject, "lessee");
        esi.userToken("bob", otherProject, "lessee");
        bigNode = http.post("/baremetal/v1/nodes", owner, Map.of("name", "rack1-big", "driver", "fake-hardware",
                "resource_class", "baremetal", "properties", Map.of("cpus", 32, "memory_mb", 262144))).expect(201).json().path("uuid").asText();
        smallNode = http.post("/baremetal/v1/nodes", owner, Map.of("name", "rack1-small", "driver", "fake-hardware",
                "resource_class", "baremetal", "properties", Map.of("cpus", 8, "memory_mb", 32768))).expect(201).json().path("uuid").asText();
        Instant from = Instant.now().truncatedTo(ChronoUnit.HOURS);
        for (String node : List.of(bigNode, smallNode)) {
            http.post("/lease/v1/offers", owner, Map.of("resource_uuid", node, "start_time", from.toString(),
                    "end_time", from.plus(10, ChronoUnit.DAYS).toString())).expect(201);
        }
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stop() {
        if (esi != null) {
            esi.close();
        }
    }

    @BeforeEach
    void openBrowser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900",
                "--lang=en-US");
        // The driver is named outright, so Selenium never tries to download one.
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void aLesseeFindsAnOfferClaimsAWindowOnItsBarAndSeesTheLease() {
        logIn("lena", "ui-lessees");
        shot("01-lessee-offers");
        // Both nodes are offered; the property filter leaves the big one.
        assertThat(browser.findElements(By.cssSelector(".tl-row .tl-track.pickable"))).hasSize(2);
        browser.findElement(By.id("offer-props")).sendKeys("cpus>=16");
        browser.findElement(By.id("offer-search")).click();
        wait.until(d -> d.findElements(By.cssSelector(".tl-track.pickable")).size() == 1);
        WebElement track = browser.findElement(By.cssSelector(".tl-track.pickable"));
        String offer = track.getAttribute("data-offer");
        assertThat(offer).isNotBlank();
        assertThat(track.findElements(By.cssSelector(".tl-bar.free"))).isNotEmpty();
        assertThat(browser.findElement(By.cssSelector(".tl-row .tl-label")).getText()).contains("rack1-big");

        // Drag from 30% to 60% of the bar: the claim form takes that window.
        int w = track.getSize().getWidth();
        new Actions(browser).moveToElement(track, -w / 2 + (int) (w * 0.3), 0).clickAndHold()
                .moveByOffset((int) (w * 0.3), 0).release().perform();
        String from = browser.findElement(By.id("claim-from")).getDomProperty("value");
        String to = browser.findElement(By.id("claim-to")).getDomProperty("value");
        assertThat(from).isNotBlank();
        assertThat(to).isGreaterThan(from);
        assertThat(browser.findElements(By.cssSelector(".tl-sel"))).hasSize(1);
        shot("02-lessee-picked-window");
        browser.findElement(By.id("claim-name")).sendKeys("lena-experiment");
        browser.findElement(By.id("claim-submit")).click();

        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "leases"));
        wait.until(d -> !d.findElements(By.cssSelector(".tl-bar.lease")).isEmpty());
        assertThat(browser.findElement(By.id("alert")).getText()).contains("lena-experiment").contains("rack1-big");
        WebElement row = browser.findElement(By.xpath("//tr[@data-lease][contains(., 'lena-experiment')]"));
        assertThat(row.getText()).contains("lena-experiment", "rack1-big", "ui-lessees", "ui-owners", "created");
        assertThat(row.findElement(By.cssSelector(".countdown")).getText()).startsWith("starts in");
        assertThat(row.findElements(By.cssSelector("time[title$='UTC']"))).hasSize(2);
        shot("03-lessee-leases");

        // Someone else claims the small node while the page is open; claiming the same window is then a
        // conflict, and the console says so in the API's words.
        browser.get(esi.url() + "/ui/#/offers");
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "offers"));
        String smallOffer = http.get("/lease/v1/offers?resource_uuid=" + smallNode, esi.adminToken()).expect(200)
                .json().path("offers").get(0).path("uuid").asText();
        Instant s = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS);
        http.post("/lease/v1/offers/" + smallOffer + "/claim", http.login("bob", "password-bob", otherProject),
                Map.of("start_time", s.toString(), "end_time", s.plus(1, ChronoUnit.DAYS).toString())).expect(201);
        setValue("claim-offer", smallOffer);
        setValue("claim-from", from);
        setValue("claim-to", to);
        browser.findElement(By.id("claim-submit")).click();
        wait.until(ExpectedConditions.textMatches(By.id("alert"), java.util.regex.Pattern.compile("(?i)conflict|overlap|not available|already")));
        assertThat(browser.findElement(By.id("alert")).getAttribute("class")).doesNotContain("ok");
        shot("04-lessee-conflict-error");
    }

    @Test
    void anOwnerOffersANodeByTheFormAndSeesItOnTheTimeline() {
        logIn("olive", "ui-owners");
        browser.get(esi.url() + "/ui/#/nodes");
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "nodes"));
        assertThat(browser.findElements(By.cssSelector("tr[data-node]"))).extracting(e -> e.getAttribute("data-node"))
                .contains(bigNode, smallNode);
        shot("05-owner-nodes");
        browser.findElement(By.linkText("rack1-small")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "node"));
        int before = browser.findElements(By.cssSelector("[data-row=offers] .tl-bar.offer")).size();
        assertThat(browser.findElements(By.cssSelector(".tl-now"))).isNotEmpty();

        String start = (String) js("const d = new Date(Date.now() + 12 * 86400e3); d.setMinutes(0, 0, 0);"
                + "const p = n => String(n).padStart(2, '0');"
                + "return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:00`;");
        String end = (String) js("const d = new Date(Date.now() + 15 * 86400e3); d.setMinutes(0, 0, 0);"
                + "const p = n => String(n).padStart(2, '0');"
                + "return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:00`;");
        setValue("new-offer-from", start);
        setValue("new-offer-to", end);
        browser.findElement(By.id("new-offer-name")).sendKeys("small-next-week");
        browser.findElement(By.id("new-offer-submit")).click();
        wait.until(d -> d.findElements(By.cssSelector("[data-row=offers] .tl-bar.offer")).size() == before + 1);
        assertThat(browser.findElement(By.cssSelector("[data-row=offers]")).getText()).contains("small-next-week");
        assertThat(browser.findElement(By.id("alert")).getText()).contains("small-next-week");
        assertThat(http.get("/lease/v1/offers?resource_uuid=" + smallNode, esi.adminToken()).expect(200).body()).contains("small-next-week");
        shot("06-owner-node-timeline");

        browser.get(esi.url() + "/ui/#/usage");
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "usage"));
        assertThat(browser.findElement(By.tagName("h1")).getText()).contains("Usage");
        shot("07-owner-usage");
    }

    @Test
    void theNodePageShowsTheAttestationPolicyAndAFailureThatHoldsTheNode() {
        String owner = http.login("olive", "password-olive", ownerProject);
        String golden = "ab".repeat(32);
        String node = http.post("/baremetal/v1/nodes", owner, Map.of("name", "rack2-attested", "driver", "fake-hardware",
                "driver_info", Map.of("attestation", Map.of("pcrs", List.of(0, 7), "golden", Map.of("0", golden, "7", golden),
                        "hash_algo", "sha256")))).expect(201).json().path("uuid").asText();
        logIn("olive", "ui-owners");
        browser.get(esi.url() + "/ui/#/node/" + node);
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("attestation-result")));
        WebElement section = browser.findElement(By.id("attestation"));
        assertThat(section.findElements(By.cssSelector("tr[data-pcr]"))).extracting(e -> e.getAttribute("data-pcr")).containsExactly("0", "7");
        assertThat(section.getText()).contains(golden).contains("Not attested yet");
        // What a failed quote leaves (the agent flow sets it; AgentLifecycleVirtualMachineTest proves that on a VM).
        http.put("/baremetal/v1/nodes/" + node + "/maintenance", owner,
                Map.of("reason", "Attestation failed: PCR 7 is " + "cd".repeat(32) + ", the golden value is " + golden)).expect(202);
        browser.navigate().refresh();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("attestation-result")));
        assertThat(browser.findElement(By.id("attestation-result")).getText()).startsWith("Failed — in maintenance, held from lessees")
                .contains("PCR 7 is " + "cd".repeat(32));
        assertEveryControlHasALabel();
        shot("08-owner-attestation");
    }

    @Test
    void aLesseeOfAnotherProjectSeesNoneOfIt() {
        String lessee = http.login("lena", "password-lena", lesseeProject);
        TestClient.Response offers = http.get("/lease/v1/offers?resource_uuid=" + bigNode, lessee).expect(200);
        String offer = offers.json().path("offers").get(0).path("uuid").asText();
        Instant s = Instant.now().plus(5, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS);
        String lease = http.post("/lease/v1/offers/" + offer + "/claim", lessee, Map.of("name", "lena-private",
                "start_time", s.toString(), "end_time", s.plus(1, ChronoUnit.DAYS).toString())).expect(201).json().path("uuid").asText();

        logIn("bob", "ui-others");
        browser.get(esi.url() + "/ui/#/leases");
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "leases"));
        assertThat(browser.findElement(By.id("main")).getText()).doesNotContain("lena-private").doesNotContain("ui-lessees");
        assertThat(browser.findElements(By.cssSelector("[data-lease='" + lease + "']"))).isEmpty();
        shot("08-other-lessee-leases");
        browser.get(esi.url() + "/ui/#/node/" + bigNode);
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "node"));
        assertThat(browser.findElement(By.id("alert")).getText()).containsIgnoringCase("could not be found");
        assertThat(browser.findElement(By.id("main")).getText()).doesNotContain("lena-private");
        shot("09-other-lessee-foreign-node");
    }

    @Test
    void aLesseePowersOnALeasedNodeFromItsNodesPage() {
        String owner = http.login("olive", "password-olive", ownerProject);
        String node = http.post("/baremetal/v1/nodes", owner, Map.of("name", "rack2-leased", "driver", "fake-hardware",
                "resource_class", "baremetal")).expect(201).json().path("uuid").asText();
        http.post("/lease/v1/leases", owner, Map.of("resource_uuid", node, "project_id", lesseeProject, "name", "lena-now",
                "end_time", Instant.now().plus(2, ChronoUnit.DAYS).toString())).expect(201);
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> lesseeProject.equals(
                http.get("/baremetal/v1/nodes/" + node, owner).json().path("lessee").asText()));

        logIn("lena", "ui-lessees");
        browser.get(esi.url() + "/ui/#/nodes");
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "nodes"));
        By row = By.cssSelector("tr[data-node='" + node + "']");
        assertThat(browser.findElement(row).getText()).contains("rack2-leased", "ui-owners", "ui-lessees");
        browser.findElement(row).findElement(By.xpath(".//button[text()='Power on']")).click();
        wait.until(d -> d.findElement(By.id("alert")).getText().contains("power on requested"));
        // Each look reloads the page and waits for it to be drawn: on a loaded machine a reload can take longer than the poll interval.
        new WebDriverWait(browser, Duration.ofSeconds(60)).until(d -> {
            d.navigate().refresh();
            wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "nodes"));
            return d.findElements(row).stream().anyMatch(r -> r.findElement(By.cssSelector("td.status")).getText().equals("power on"));
        });
        assertThat(http.get("/baremetal/v1/nodes/" + node, owner).json().path("power_state").asText()).isEqualTo("power on");
        shot("13-lessee-node-powered-on");
        browser.findElement(row).findElement(By.xpath(".//button[text()='Networks']")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("node-detail"), "Networks of rack2-leased"));
        shot("14-lessee-node-networks");
    }

    @Test
    void theAdminSeesProjectsUsersAndEventsAndThePagesFitAPhone() {
        logIn("admin", "admin");
        browser.get(esi.url() + "/ui/#/admin");
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "admin"));
        assertThat(browser.findElement(By.id("main")).getText()).contains("ui-owners", "olive", "lena");
        assertEveryControlHasALabel();
        shot("10-admin");
        browser.get(esi.url() + "/ui/#/events");
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "events"));
        wait.until(d -> d.findElement(By.id("main")).getText().contains("esi_leap.offer.create"));
        shot("11-admin-events");

        browser.manage().window().setSize(new Dimension(390, 844));
        for (String page : List.of("offers", "leases", "pools", "nodes", "admin")) {
            browser.get(esi.url() + "/ui/#/" + page);
            wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", page));
            assertEveryControlHasALabel();
            Number overflow = (Number) js("return document.documentElement.scrollWidth - window.innerWidth;");
            assertThat(overflow.intValue()).as(page + " scrolls sideways on a phone").isLessThanOrEqualTo(1);
            shot("12-phone-" + page);
        }
        browser.findElement(By.id("logout")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user")));
        browser.get(esi.url() + "/ui/#/admin");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user")));
    }

    @Test
    void aLesseeWatchesAPoolScaleItAndRemoveAMemberAndAnotherProjectSeesNoPools() {
        String poolProject = esi.createProject("ui-pools", null);
        String paula = esi.userToken("paula", poolProject, "lessee");
        String owner = http.login("olive", "password-olive", ownerProject);
        for (String name : List.of("pool-a", "pool-b", "pool-c")) {
            offeredForPools(owner, name, poolProject);
        }
        String pool = http.post("/cluster/v1/pools", paula, Map.of("name", "ui-workers", "resource_class", "pool-metal", "max_size", 5,
                "desired_size", 2, "lease_duration", "PT4H", "renew_before", "PT30M",
                "deploy", Map.of("image_url", "http://192.0.2.10/images/worker.raw", "image_checksum", "sha256:" + "ab".repeat(32))))
                .expect(201).json().path("uuid").asText();

        logIn("paula", "ui-pools");
        // The pool page redraws itself when its members change; an element found just before may be gone.
        wait.ignoring(StaleElementReferenceException.class);
        browser.findElement(By.linkText("Pools")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "pools"));
        WebElement listed = browser.findElement(By.cssSelector("tr[data-pool]"));
        assertThat(listed.getText()).contains("ui-workers", "pool-metal");
        shot("15-lessee-pools");
        listed.findElement(By.linkText("ui-workers")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "pool"));

        // The page follows the members as they deploy; each one's lease is a bar on the timeline, now marked.
        WebDriverWait slow = new WebDriverWait(browser, Duration.ofSeconds(60));
        slow.until(d -> memberStatuses().equals(List.of("ready", "ready")));
        wait.until(d -> d.findElements(By.cssSelector("[data-member] .tl-bar.lease")).size() == 2);
        assertThat(browser.findElements(By.cssSelector(".timeline .tl-now"))).isNotEmpty();
        assertThat(textOf("#pool-summary")).contains("Desired 2", "2 ready");
        assertThat(textOf("tr[data-member]")).contains("esi://");
        int history = browser.findElements(By.cssSelector("tr[data-history]")).size();
        assertEveryControlHasALabel();
        shot("16-lessee-pool");

        setValue("pool-desired", "3");
        browser.findElement(By.id("pool-resize")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("alert"), "desired size is now 3"));
        slow.until(d -> memberStatuses().equals(List.of("ready", "ready", "ready")));
        wait.until(d -> d.findElements(By.cssSelector("[data-member] .tl-bar.lease")).size() == 3);
        wait.until(d -> d.findElements(By.cssSelector("tr[data-history]")).size() == history + 1);
        assertThat(textOf("tr[data-history]")).contains("2 → 3", "paula");

        // Past max_size (400) and past what the offers can give (409): the server's words, and nothing changes.
        setValue("pool-desired", "6");
        browser.findElement(By.id("pool-resize")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("alert"), "must lie between min_size 0 and max_size 5"));
        setValue("pool-desired", "5");
        browser.findElement(By.id("pool-resize")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("alert"), "machines fit"));
        assertThat(browser.findElement(By.id("alert")).getAttribute("class")).doesNotContain("ok");
        assertThat(http.get("/cluster/v1/pools/ui-workers", paula).expect(200).json().path("desired_size").asInt()).isEqualTo(3);
        assertThat(browser.findElements(By.cssSelector("tr[data-member]"))).hasSize(3);
        assertThat(browser.findElements(By.cssSelector("tr[data-history]"))).hasSize(history + 1);
        shot("17-lessee-pool-too-big");

        // A member removed (after the confirm) goes from the page.
        String gone = (String) js("return document.querySelector('tr[data-member]').dataset.member;");
        wait.until(d -> {
            d.findElement(By.cssSelector("tr[data-member='" + gone + "'] button.danger")).click();
            return true;
        });
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        slow.until(d -> d.findElements(By.cssSelector("tr[data-member='" + gone + "']")).isEmpty()
                && d.findElements(By.cssSelector("[data-member='" + gone + "']")).isEmpty());
        assertThat(browser.findElements(By.cssSelector("tr[data-member]"))).hasSize(2);
        assertThat(textOf("#pool-summary")).contains("Desired 2");

        browser.manage().window().setSize(new Dimension(390, 844));
        browser.navigate().refresh();
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "pool"));
        assertEveryControlHasALabel();
        Number overflow = (Number) js("return document.documentElement.scrollWidth - window.innerWidth;");
        assertThat(overflow.intValue()).as("the pool page scrolls sideways on a phone").isLessThanOrEqualTo(1);
        shot("18-phone-pool");

        browser.findElement(By.id("logout")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user")));
        logIn("bob", "ui-others");
        browser.get(esi.url() + "/ui/#/pools");
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "pools"));
        assertThat(browser.findElements(By.cssSelector("tr[data-pool]"))).isEmpty();
        assertThat(browser.findElement(By.id("main")).getText()).contains("No pools").doesNotContain("ui-workers");
        shot("19-other-lessee-pools");
        browser.get(esi.url() + "/ui/#/pool/" + pool);
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "pool"));
        assertThat(browser.findElement(By.id("alert")).getText()).containsIgnoringCase("could not be found");
        assertThat(browser.findElement(By.id("main")).getText()).doesNotContain("ui-workers").doesNotContain("pool-a");
    }

    @Test
    void theCreditsPageShowsTheBalanceItsHistoryBidsAndEarningsPerNode() {
        String owners = esi.createProject("ui-credit-owners", null);
        String lessees = esi.createProject("ui-credit-lessees", null);
        String oscar = esi.userToken("oscar", owners, "owner");
        String luna = esi.userToken("luna", lessees, "lessee");
        http.post("/market/v1/accounts/" + lessees + "/grants", esi.adminToken(), Map.of("amount", "100", "memo", "welcome")).expect(201);
        http.post("/market/v1/transfers", luna, Map.of("to", owners, "amount", "10")).expect(201);
        String node = http.post("/baremetal/v1/nodes", oscar, Map.of("name", "credit-node", "driver", "fake-hardware",
                "resource_class", "credit-metal", "properties", Map.of("cpus", 32))).expect(201).json().path("uuid").asText();
        Instant from = Instant.now().truncatedTo(ChronoUnit.HOURS);
        String offer = http.post("/lease/v1/offers", oscar, Map.of("resource_uuid", node, "price", "2", "start_time", from.toString(),
                "end_time", from.plus(3, ChronoUnit.DAYS).toString())).expect(201).json().path("uuid").asText();
        Instant s = from.plus(1, ChronoUnit.DAYS);
        http.post("/lease/v1/offers/" + offer + "/claim", luna, Map.of("start_time", s.toString(),
                "end_time", s.plus(2, ChronoUnit.HOURS).toString())).expect(201);
        JsonNode account = http.get("/market/v1/accounts/" + lessees, luna).expect(200).json();
        int entries = http.get("/market/v1/accounts/" + lessees + "/entries", luna).expect(200).json().path("entries").size();
        assertThat(account.path("balance").asText()).isEqualTo("86");

        logIn("luna", "ui-credit-lessees");
        browser.findElement(By.linkText("Credits")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "credits"));
        assertThat(browser.findElement(By.id("credit-balance")).getText()).isEqualTo("86");
        assertThat(browser.findElement(By.id("credit-held")).getText()).isEqualTo(account.path("held").asText());
        assertThat(browser.findElement(By.id("credit-available")).getText()).isEqualTo(account.path("available").asText());
        // One point per entry on the balance line, and each entry in the table.
        assertThat(browser.findElements(By.cssSelector("#balance-chart circle.pt"))).hasSize(entries);
        assertThat(browser.findElements(By.cssSelector("#balance-chart polyline"))).hasSize(1);
        assertThat(browser.findElements(By.cssSelector("tr[data-entry]"))).hasSize(entries);
        assertThat(textOf("#entries")).contains("grant", "welcome", "transfer", "hold");
        assertEveryControlHasALabel();
        shot("20-lessee-credits");
        browser.findElement(By.id("transfer-to")).sendKeys("ui-credit-owners");
        browser.findElement(By.id("transfer-amount")).sendKeys("1");
        browser.findElement(By.id("transfer-submit")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("alert"), "Transferred 1 credits to ui-credit-owners"));
        wait.until(ExpectedConditions.textToBe(By.id("credit-balance"), "85"));
        assertThat(browser.findElements(By.cssSelector("#balance-chart circle.pt"))).hasSize(entries + 1);
        // The asking price where a lessee picks an offer, the cost where it sees its leases.
        // A window after the lease (the offers page lists offers free for all of it), in the browser's local time.
        String window = (String) js("const p = n => String(n).padStart(2, '0');"
                + "const f = t => { const d = new Date(t); return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`; };"
                + "return `from=${f(arguments[0])}&to=${f(arguments[1])}`;", s.plus(3, ChronoUnit.HOURS).toString(), s.plus(1, ChronoUnit.DAYS).toString());
        browser.get(esi.url() + "/ui/#/offers?rc=credit-metal&" + window);
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "offers"));
        assertThat(textOf(".tl-row .tl-label")).contains("credit-node", "2 credits/h");
        browser.get(esi.url() + "/ui/#/leases");
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "leases"));
        assertThat(textOf("tr[data-lease]")).contains("4 (2/h)");
        browser.get(esi.url() + "/ui/#/credits");
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "credits"));

        // A bid the server refuses: its words in the alert and beside the form, nothing placed; then one placed and cancelled.
        setValue("bid-quantity", "2");
        setValue("bid-rc", "credit-metal");
        setValue("bid-max-price", "lots");
        browser.findElement(By.id("bid-submit")).click();
        wait.until(d -> !d.findElement(By.id("alert")).getText().isBlank());
        assertThat(browser.findElement(By.id("alert")).getAttribute("class")).doesNotContain("ok");
        assertThat(browser.findElement(By.id("alert")).getText()).containsIgnoringCase("price");
        assertThat(browser.findElement(By.id("bid-error")).getText()).isEqualTo(browser.findElement(By.id("alert")).getText());
        assertThat(browser.findElements(By.cssSelector("tr[data-bid]"))).isEmpty();
        shot("21-lessee-bad-bid");
        setValue("bid-max-price", "0.5");
        browser.findElement(By.id("bid-submit")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("alert"), "placed"));
        wait.until(d -> d.findElements(By.cssSelector("tr[data-bid]")).size() == 1);
        browser.findElement(By.cssSelector("tr[data-bid] button.danger")).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("tr[data-bid] td.status"), "cancelled"));
        shot("22-lessee-bid-cancelled");

        browser.findElement(By.id("logout")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user")));
        logIn("oscar", "ui-credit-owners");
        browser.get(esi.url() + "/ui/#/credits");
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "credits"));
        assertThat(browser.findElement(By.id("credit-balance")).getText()).isEqualTo("11");
        // The owner prices a new offer on the node's page.
        browser.get(esi.url() + "/ui/#/node/" + node);
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "node"));
        String[] next = ((String) js("const p = n => String(n).padStart(2, '0');"
                + "const f = t => { const d = new Date(t); return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`; };"
                + "return f(arguments[0]) + ' ' + f(arguments[1]);", from.plus(4, ChronoUnit.DAYS).toString(), from.plus(5, ChronoUnit.DAYS).toString())).split(" ");
        setValue("new-offer-from", next[0]);
        setValue("new-offer-to", next[1]);
        setValue("new-offer-price", "3");
        browser.findElement(By.id("new-offer-submit")).click();
        wait.until(d -> d.findElements(By.xpath("//tr[@data-offer][contains(., '3 credits/h')]")).size() == 1);
        assertThat(http.get("/lease/v1/offers?resource_uuid=" + node, oscar).expect(200).json().path("offers").findValuesAsText("price"))
                .containsExactlyInAnyOrder("2", "3");
        browser.get(esi.url() + "/ui/#/credits");
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "credits"));
        // The lessee's lease ran (started now, ended early): the owner was paid for its time, shown per node.
        String now = http.post("/lease/v1/offers/" + offer + "/claim", luna, Map.of()).expect(201).json().path("uuid").asText();
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> "active".equals(
                http.get("/lease/v1/leases/" + now, luna).json().path("status").asText()));
        http.delete("/lease/v1/leases/" + now, luna).expect(200);
        // Its end is settled once the lease has an expire_time; till then usage counts up to the moment asked.
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> !http.get("/lease/v1/leases/" + now, luna).json()
                .path("expire_time").isNull());
        String q = "?project=" + owners + "&start=" + from.minus(1, ChronoUnit.DAYS) + "&end=" + Instant.now().plus(1, ChronoUnit.HOURS);
        JsonNode byNode = new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> {
            JsonNode u = http.get("/market/v1/usage" + q, oscar).expect(200).json().path("projects").get(0).path("by_node");
            return u.isEmpty() ? null : u.get(0);
        });
        browser.navigate().refresh();
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "credits"));
        WebElement row = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-earnings='" + node + "']")));
        assertThat(row.getText()).contains("credit-node", byNode.path("credits_earned").asText());
        shot("23-owner-earnings");

        // The admin looks at another project's credits and grants some.
        browser.findElement(By.id("logout")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user")));
        logIn("admin", "admin");
        browser.get(esi.url() + "/ui/#/credits?project=ui-credit-lessees");
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "credits"));
        String before = browser.findElement(By.id("credit-balance")).getText();
        browser.findElement(By.id("grant-amount")).sendKeys("5");
        browser.findElement(By.id("grant-memo")).sendKeys("top-up");
        browser.findElement(By.id("grant-submit")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("alert"), "Granted 5 credits to ui-credit-lessees"));
        wait.until(d -> !d.findElement(By.id("credit-balance")).getText().equals(before));
        assertThat(textOf("#entries")).contains("top-up");
        assertEveryControlHasALabel();
        shot("24-admin-grant");

        browser.manage().window().setSize(new Dimension(390, 844));
        browser.navigate().refresh();
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-page", "credits"));
        Number overflow = (Number) js("return document.documentElement.scrollWidth - window.innerWidth;");
        assertThat(overflow.intValue()).as("the credits page scrolls sideways on a phone").isLessThanOrEqualTo(1);
        shot("25-phone-credits");
    }

    /** The members' statuses, read in one step so that a redraw in between cannot leave a stale element. */
    List<?> memberStatuses() {
        return (List<?>) js("return [...document.querySelectorAll('tr[data-member] td.status')].map(e => e.textContent);");
    }

    String textOf(String css) {
        return (String) js("return document.querySelector(arguments[0]).innerText;", css);
    }

    /** A fake-hardware machine of the owner made available (enroll, manage, provide) and offered to one project only. */
    void offeredForPools(String owner, String name, String project) {
        http.post("/baremetal/v1/nodes", owner, Map.of("name", name, "driver", "fake-hardware", "resource_class", "pool-metal",
                "properties", Map.of("cpus", 32, "memory_mb", 65536))).expect(201);
        for (String[] step : List.of(new String[] {"manage", "manageable"}, new String[] {"provide", "available"})) {
            http.put("/baremetal/v1/nodes/" + name + "/states/provision", owner, Map.of("target", step[0])).expect(202);
            wait.until(d -> step[1].equals(esi.adminGet("/baremetal/v1/nodes/" + name).path("provision_state").asText()));
        }
        http.post("/lease/v1/offers", owner, Map.of("resource_uuid", name, "lessee_id", project)).expect(201);
    }

    void logIn(String user, String project) {
        browser.get(esi.url() + "/ui/");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user")));
        browser.findElement(By.id("login-user")).sendKeys(user);
        browser.findElement(By.id("login-password")).sendKeys(user.equals("admin") ? TestingEsiServer.ADMIN_PASSWORD : "password-" + user);
        browser.findElement(By.id("login-project")).sendKeys(project);
        browser.findElement(By.id("login-submit")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("who-am-i"), user));
        wait.until(d -> "false".equals(d.findElement(By.id("main")).getAttribute("aria-busy")));
        assertThat(browser.getCurrentUrl()).doesNotContain("token").doesNotContain("password");
        assertThat((String) js("return document.cookie;")).as("the session cookie is HttpOnly").doesNotContain("esi_session");
    }

    void assertEveryControlHasALabel() {
        Object unlabelled = js("return [...document.querySelectorAll('input, select, button')]"
                + ".filter(e => !(e.closest('label') || e.getAttribute('aria-label') || (e.tagName === 'BUTTON' && e.textContent.trim())))"
                + ".map(e => e.id || e.outerHTML);");
        assertThat((List<?>) unlabelled).as("controls without a label").isEmpty();
    }

    void setValue(String id, String value) {
        js("const e = document.getElementById(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('change'));", id, value);
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    void shot(String name) {
        try {
            Path png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
            Files.copy(png, SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IllegalStateException("cannot save screenshot " + name, e);
        }
    }
}
