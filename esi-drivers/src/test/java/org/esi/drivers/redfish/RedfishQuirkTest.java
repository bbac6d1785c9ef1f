package org.esi.drivers.redfish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.esi.spi.BmcException;
import org.esi.spi.BootDevice;
import org.esi.spi.BootSetting;
import org.esi.spi.PowerAction;
import org.esi.spi.PowerState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Vendor quirks, from sushy's sample files, and failure handling. */
class RedfishQuirkTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(open);
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private RedfishReplayServer start(RedfishReplayServer server) {
        open.add(server.start());
        return server;
    }

    private RedfishSession session(Map<String, Object> info) throws BmcException {
        RedfishSession s = (RedfishSession) RedfishMockupTest.driver().open(info);
        open.add(s);
        return s;
    }

    private static JsonNode sample(String name) {
        return RedfishReplayServer.readJson(RedfishReplayServer.SAMPLES.resolve(name));
    }

    private static BmcException thrown(ThrowingCall call) {
        try {
            call.run();
        } catch (BmcException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError("expected a BmcException, got " + e, e);
        }
        throw new AssertionError("expected a BmcException");
    }

    interface ThrowingCall {
        void run() throws Exception;
    }

    // ---- error bodies --------------------------------------------------------------------------------

    @Test
    void errorBodyWithASingleExtendedInfoObject() throws Exception {
        RedfishReplayServer server = start(RedfishReplayServer.machine("Gigabyte"));
        server.failNext("POST", "/Actions/ComputerSystem.Reset", 400, sample("error_single_ext_info.json"));
        RedfishSession session = session(server.driverInfo());

        BmcException e = thrown(() -> session.setPower(PowerAction.OFF));
        assertThat(e.kind()).isEqualTo(BmcException.Kind.DEVICE_ERROR);
        assertThat(e.getMessage()).contains("HTTP 400").contains("/redfish/v1/Systems/Self/Actions/ComputerSystem.Reset")
                .contains("Redfish request contains unsupported media type");
        assertThat(session.powerState()).isEqualTo(PowerState.ON);
    }

    @Test
    void errorBodyWithAListGivesEveryMessage() {
        assertThat(RedfishErrors.messages(sample("error.json"))).containsExactly(
                "The value Red for the property IndicatorLED is not in the list of acceptable values",
                "The property SKU is a read only property and cannot be assigned a value",
                "The request body submitted was malformed JSON and could not be parsed by the receiving service.");
        assertThat(RedfishErrors.summary(RedfishReplayServer.JSON.createObjectNode(), 500)).contains("HTTP 500");
    }

    @Test
    void dellMessageArgsAsAString() throws Exception {
        // Dell sends MessageArgs as a bare string; built from sushy's error.json with that change.
        ObjectNode body = (ObjectNode) sample("error.json");
        ObjectNode first = (ObjectNode) body.path("error").path("@Message.ExtendedInfo").get(0);
        first.put("Message", "The value %1 for the property BootSourceOverrideTarget is not in the list of acceptable values");
        first.put("MessageArgs", "Floppy");
        assertThat(first.path("MessageArgs").isTextual()).isTrue();

        RedfishReplayServer server = start(RedfishReplayServer.machine("DL325"));
        server.failNext("PATCH", "/Systems/1", 400, body);
        BmcException e = thrown(() -> session(server.driverInfo()).setBootDevice(new BootSetting(BootDevice.PXE, false)));
        assertThat(e.kind()).isEqualTo(BmcException.Kind.DEVICE_ERROR);
        assertThat(e.getMessage()).contains("The value Floppy for the property BootSourceOverrideTarget");
    }

    @Test
    void resetTypeTheBmcRejectsIsReportedInItsWords() throws Exception {
        RedfishReplayServer server = start(RedfishReplayServer.machine("Intel"));
        RedfishSession session = session(server.driverInfo());
        // Intel advertises no GracefulRestart: the driver must not send it, the replay server would refuse it.
        session.setPower(PowerAction.SOFT_REBOOT);
        assertThat(RedfishMockupTest.resetTypes(server, "/Actions/ComputerSystem.Reset")).containsExactly("GracefulShutdown", "On");
    }

    // ---- sessions ------------------------------------------------------------------------------------

    @Test
    void sessionReplyWithoutLocation() throws Exception {
        JsonNode headers = sample("session_creation_headers_no_location.json");
        assertThat(headers.has("Location")).isFalse();
        assertThat(headers.has("X-Auth-Token")).isTrue();

        RedfishReplayServer server = start(RedfishReplayServer.machine("OpenBMC-stock").sessionWithoutLocation());
        RedfishSession session = session(server.driverInfo());
        session.setPower(PowerAction.ON);
        assertThat(server.recorded("POST", "/Actions/ComputerSystem.Reset")).singleElement()
                .satisfies(r -> assertThat(r.auth()).isEqualTo("session"));
        assertThat(server.activeSessions()).isEqualTo(1);

        session.close();
        // The session is found from the reply body's @odata.id and deleted.
        assertThat(server.recorded("DELETE", "")).singleElement()
                .satisfies(r -> assertThat(r.path()).startsWith("/redfish/v1/SessionService/Sessions/"));
        assertThat(server.activeSessions()).isZero();
    }

    @Test
    void expiredSessionIsRenewedOnce() throws Exception {
        RedfishReplayServer server = start(RedfishReplayServer.machine("DL325"));
        RedfishSession session = session(server.driverInfo());
        session.powerState();
        server.expireSessions();
        assertThat(session.powerState()).isEqualTo(PowerState.ON);
        assertThat(server.recorded("POST", "/SessionService/Sessions")).hasSize(2);
        // Passwords never reach the recorded body in clear, and never the driver's messages.
        assertThat(server.recorded("POST", "/SessionService/Sessions").get(0).body().path("Password").asText()).isEqualTo("******");
    }

    @Test
    void sessionOnlyAuthOnABasicOnlyBmcIsUnsupported() throws Exception {
        RedfishReplayServer server = start(RedfishReplayServer.machine("Intel").basicOnly());
        Map<String, Object> info = server.driverInfo();
        info.put("redfish_auth_type", "session");
        BmcException e = thrown(() -> session(info).powerState());
        assertThat(e.kind()).isEqualTo(BmcException.Kind.UNSUPPORTED);
        assertThat(e.getMessage()).contains("redfish_auth_type").doesNotContain("s3cret-pw");
    }

    // ---- virtual media -------------------------------------------------------------------------------

    @Test
    void virtualMediaThatDemandsTransferProtocolTypeInAnError() throws Exception {
        for (String errorSample : List.of("transfer_proto_required_error.json", "transfer_proto_required_error2.json",
                "transfer_proto_required_error3.json")) {
            try (RedfishReplayServer server = RedfishReplayServer.machine("Gigabyte")
                    .requireTransferProtocol(sample(errorSample)).start();
                    RedfishSession session = (RedfishSession) RedfishMockupTest.driver().open(server.driverInfo())) {
                session.insertVirtualMedia(URI.create("https://images.example/ipa.iso"));
                List<RedfishReplayServer.Recorded> posts = server.recorded("POST", "/VirtualMedia.InsertMedia");
                assertThat(posts).as(errorSample).hasSize(2);
                assertThat(posts.get(0).body().has("TransferProtocolType")).isFalse();
                assertThat(posts.get(1).body().path("TransferProtocolType").asText()).isEqualTo("HTTPS");
                assertThat(server.resource("/redfish/v1/Managers/Self/VirtualMedia/CD1").path("Inserted").asBoolean()).isTrue();
            }
        }
    }

    @Test
    void virtualMediaWhoseActionInfoRequiresTransferProtocolType() throws Exception {
        RedfishReplayServer server = RedfishReplayServer.machine("Gigabyte");
        String cd = "/redfish/v1/Managers/Self/VirtualMedia/CD1";
        ObjectNode media = (ObjectNode) RedfishReplayServer.readJson(
                RedfishReplayServer.MOCKUPS.resolve("Gigabyte/Managers/Self/VirtualMedia/CD1/index.json"));
        ((ObjectNode) media.path("Actions").path("#VirtualMedia.InsertMedia")).put("@Redfish.ActionInfo", cd + "/InsertMediaActionInfo");
        server.put(cd, media);
        ObjectNode info = RedfishReplayServer.JSON.createObjectNode();
        ObjectNode p = info.putArray("Parameters").addObject();
        p.put("Name", "TransferProtocolType").put("Required", true).putArray("AllowableValues").add("CIFS").add("HTTP").add("NFS");
        server.put(cd + "/InsertMediaActionInfo", info);
        start(server);

        session(server.driverInfo()).insertVirtualMedia(URI.create("http://images.example/ipa.iso"));
        assertThat(server.recorded("POST", "/VirtualMedia.InsertMedia")).singleElement()
                .satisfies(r -> assertThat(r.body().path("TransferProtocolType").asText()).isEqualTo("HTTP"));
    }

    /** sushy's system with {@code Links.Managers} (no ManagedBy) and a manager whose CD holds an image. */
    private RedfishReplayServer sushyFixture() {
        RedfishReplayServer server = new RedfishReplayServer(null);
        server.put("/redfish/v1", sample("root.json"));
        server.put("/redfish/v1/Systems", sample("system_collection.json"));
        server.put("/redfish/v1/Systems/437XR1138R2", sample("system_managedby_missing_manager_present.json"));
        server.put("/redfish/v1/Managers/BMC", sample("manager.json"));
        ObjectNode collection = (ObjectNode) sample("virtual_media_collection.json");
        ((com.fasterxml.jackson.databind.node.ArrayNode) collection.path("Members")).addObject()
                .put("@odata.id", "/redfish/v1/Managers/BMC/VirtualMedia/CD1");
        server.put("/redfish/v1/Managers/BMC/VirtualMedia", collection);
        server.put("/redfish/v1/Managers/BMC/VirtualMedia/Floppy1", sample("virtual_media.json"));
        ObjectNode cd = (ObjectNode) sample("virtual_mediav1_6.json");
        ObjectNode actions = cd.putObject("Actions");
        actions.putObject("#VirtualMedia.InsertMedia").put("target", "/redfish/v1/Managers/BMC/VirtualMedia/CD1/Actions/VirtualMedia.InsertMedia");
        actions.putObject("#VirtualMedia.EjectMedia").put("target", "/redfish/v1/Managers/BMC/VirtualMedia/CD1/Actions/VirtualMedia.EjectMedia");
        server.put("/redfish/v1/Managers/BMC/VirtualMedia/CD1", cd);
        return server;
    }

    @Test
    void managersLinkInsteadOfManagedBy() throws Exception {
        RedfishReplayServer server = start(sushyFixture());
        assertThat(server.resource("/redfish/v1/Systems/437XR1138R2").path("Links").has("ManagedBy")).isFalse();
        RedfishSession session = session(server.driverInfo());

        session.insertVirtualMedia(URI.create("http://images.example/new.iso"));
        // The CD held another image: ejected first, then the new one inserted; the floppy is left alone.
        assertThat(server.recorded().stream().filter(r -> r.method().equals("POST") && r.path().contains("VirtualMedia"))
                .map(RedfishReplayServer.Recorded::path).toList()).containsExactly(
                "/redfish/v1/Managers/BMC/VirtualMedia/CD1/Actions/VirtualMedia.EjectMedia",
                "/redfish/v1/Managers/BMC/VirtualMedia/CD1/Actions/VirtualMedia.InsertMedia");
        assertThat(server.resource("/redfish/v1/Managers/BMC/VirtualMedia/CD1").path("Image").asText())
                .isEqualTo("http://images.example/new.iso");
        assertThat(server.resource("/redfish/v1/Managers/BMC/VirtualMedia/Floppy1").path("Inserted").asBoolean()).isTrue();
    }

    @Test
    void virtualMediaWithoutActionsIsPatched() throws Exception {
        RedfishReplayServer server = sushyFixture().requireIfMatch();
        ObjectNode cd = (ObjectNode) sample("virtual_mediav1_6.json");
        cd.put("Inserted", false).put("Image", "").put("@odata.etag", "W/\"77\"");
        server.put("/redfish/v1/Managers/BMC/VirtualMedia/CD1", cd);
        start(server);
        session(server.driverInfo()).insertVirtualMedia(URI.create("http://images.example/x.iso"));
        assertThat(server.recorded("PATCH", "/VirtualMedia/CD1")).singleElement().satisfies(r -> {
            assertThat(r.ifMatch()).contains("W/\"77\"");
            assertThat(r.body().path("Image").asText()).isEqualTo("http://images.example/x.iso");
        });
    }

    // ---- boot settings object ------------------------------------------------------------------------

    @Test
    void bootOverrideGoesToTheSettingsObjectWhenItCarriesBoot() throws Exception {
        RedfishReplayServer server = RedfishReplayServer.machine("Gigabyte").requireIfMatch();
        ObjectNode system = (ObjectNode) RedfishReplayServer.readJson(
                RedfishReplayServer.MOCKUPS.resolve("Gigabyte/Systems/Self/index.json"));
        system.set("@Redfish.Settings", sample("settings-nokia.json").path("@Redfish.Settings"));
        server.put("/redfish/v1/Systems/Self", system);
        server.put("/redfish/v1/Systems/Self/SD", sample("settings-body-nokia.json"));
        start(server);
        RedfishSession session = session(server.driverInfo());

        session.setBootDevice(new BootSetting(BootDevice.PXE, false));
        assertThat(server.recorded("PATCH", "")).singleElement().satisfies(r -> {
            assertThat(r.path()).isEqualTo("/redfish/v1/Systems/Self/SD");
            assertThat(r.ifMatch()).contains("\"1660209630\"");
        });
        assertThat(server.resource("/redfish/v1/Systems/Self").path("Boot").path("BootSourceOverrideTarget").asText()).isEqualTo("None");
        assertThat(session.bootDevice()).isEqualTo(new BootSetting(BootDevice.PXE, false));
    }

    @Test
    void settingsObjectWithoutBootOverrideIsNotUsed() throws Exception {
        RedfishReplayServer server = RedfishReplayServer.machine("DL325").requireIfMatch();
        ObjectNode system = (ObjectNode) RedfishReplayServer.readJson(RedfishReplayServer.MOCKUPS.resolve("DL325/Systems/1/index.json"));
        system.set("@Redfish.Settings", sample("settings-lenovo-se450.json").path("@Redfish.Settings"));
        server.put("/redfish/v1/Systems/1", system);
        server.put("/redfish/v1/Systems/1/Pending", sample("settings-body-lenovo-se450.json"));
        start(server);

        session(server.driverInfo()).setBootDevice(new BootSetting(BootDevice.CDROM, true));
        assertThat(server.recorded("PATCH", "")).singleElement().satisfies(r -> {
            assertThat(r.path()).isEqualTo("/redfish/v1/Systems/1");
            assertThat(r.ifMatch()).contains("W/\"1C210906\"");
        });
    }

    @Test
    void staleEtagIsRetriedOnce() throws Exception {
        RedfishReplayServer server = start(RedfishReplayServer.machine("DL325").requireIfMatch());
        server.failNext("PATCH", "/Systems/1", 412, RedfishReplayServer.Reply.error(412, "Base.1.4.PreconditionFailed", "stale").body());
        RedfishSession session = session(server.driverInfo());
        session.setBootDevice(new BootSetting(BootDevice.BIOS, false));
        assertThat(server.recorded("PATCH", "/Systems/1")).hasSize(2);
        assertThat(session.bootDevice()).isEqualTo(new BootSetting(BootDevice.BIOS, false));
    }

    @Test
    void targetTheSystemDoesNotAllowIsRefusedWithoutAPatch() throws Exception {
        RedfishReplayServer server = RedfishReplayServer.machine("Intel");
        ObjectNode system = (ObjectNode) new Capture("Intel").system();
        ((ObjectNode) system.path("Boot")).putArray("BootSourceOverrideTarget@Redfish.AllowableValues").add("None").add("Pxe");
        server.put("/redfish/v1/Systems/QSBP74100021", system);
        start(server);
        BmcException e = thrown(() -> session(server.driverInfo()).setBootDevice(new BootSetting(BootDevice.CDROM, false)));
        assertThat(e.kind()).isEqualTo(BmcException.Kind.UNSUPPORTED);
        assertThat(e.getMessage()).contains("Cd").contains("[None, Pxe]");
        assertThat(server.recorded("PATCH", "")).isEmpty();
    }

    // ---- discovery, reachability ---------------------------------------------------------------------

    @Test
    void severalSystemsNeedASystemId() throws Exception {
        RedfishReplayServer server = RedfishReplayServer.machine("DL325");
        ObjectNode systems = (ObjectNode) new Capture("DL325").read("/redfish/v1/Systems").orElseThrow();
        ((com.fasterxml.jackson.databind.node.ArrayNode) systems.path("Members")).addObject().put("@odata.id", "/redfish/v1/Systems/2");
        server.put("/redfish/v1/Systems", systems);
        start(server);

        BmcException e = thrown(() -> session(server.driverInfo()).powerState());
        assertThat(e.kind()).isEqualTo(BmcException.Kind.CONFIGURATION);
        assertThat(e.getMessage()).contains("/redfish/v1/Systems/1").contains("/redfish/v1/Systems/2").contains("redfish_system_id");

        Map<String, Object> info = server.driverInfo();
        info.put("redfish_system_id", "/redfish/v1/Systems/1");
        assertThat(session(info).powerState()).isEqualTo(PowerState.ON);
    }

    @Test
    void powerStateLagIsWaitedFor() throws Exception {
        RedfishReplayServer server = start(RedfishReplayServer.machine("Gigabyte").powerLag(4));
        RedfishSession session = session(server.driverInfo());
        session.setPower(PowerAction.OFF);
        assertThat(session.powerState()).isEqualTo(PowerState.OFF);
        assertThat(RedfishMockupTest.resetTypes(server, "/Actions/ComputerSystem.Reset")).containsExactly("ForceOff");
    }

    @Test
    void closedPortIsUnreachable() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        BmcException e = thrown(() -> session(Map.of("redfish_address", "http://127.0.0.1:" + port,
                "redfish_username", "admin", "redfish_password", "pw-123")).powerState());
        assertThat(e.kind()).isEqualTo(BmcException.Kind.UNREACHABLE);
        assertThat(e.getMessage()).doesNotContain("pw-123");
    }

    @Test
    void slowBmcTimesOutWithinTheBound() throws Exception {
        RedfishReplayServer server = start(RedfishReplayServer.machine("Intel").delay(Duration.ofSeconds(3)));
        RedfishDriver impatient = new RedfishDriver(Duration.ofSeconds(1), Duration.ofMillis(500), PowerWait.DEFAULT);
        Instant begin = Instant.now();
        BmcException e = thrown(() -> {
            try (var s = impatient.open(server.driverInfo())) {
                s.powerState();
            }
        });
        assertThat(e.kind()).isEqualTo(BmcException.Kind.UNREACHABLE);
        assertThat(Duration.between(begin, Instant.now())).isLessThan(Duration.ofSeconds(3));
    }
}
