package org.esi.drivers.fake;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.esi.spi.BmcException;
import org.esi.spi.BootDevice;
import org.esi.spi.BootSetting;
import org.esi.spi.HardwareInventory;
import org.esi.spi.PowerState;

/**
 * One pretend machine: its state, what was done to it, and knobs that make it misbehave.
 * All methods are thread-safe. Tests read the state and the operations after driving the machine
 * through a {@link org.esi.spi.BmcSession}. Power, boot device and virtual media live in the driver's
 * {@link FakeStateStore} when it has one (shared by every service instance); the operations log and the
 * misbehaviour knobs are this instance's.
 */
public final class FakeMachine {
    /**
     * One request the machine received, in arrival order.
     *
     * @param name      the SPI operation, e.g. {@code setPower}
     * @param argument  its argument in words, empty when it has none
     * @param failedWith the kind of the injected failure, or null when it succeeded
     */
    public record Operation(Instant at, String name, String argument, BmcException.Kind failedWith) {
        public boolean succeeded() {
            return failedWith == null;
        }
    }

    /** What the machine looks like right now. */
    public record State(PowerState power, BootSetting boot, URI virtualMedia) {}

    private final String key;
    private final Clock clock;
    private final Supplier<FakeStateStore> store;
    private PowerState power = PowerState.OFF;
    private BootSetting boot = new BootSetting(BootDevice.DISK, true);
    private URI virtualMedia;
    private HardwareInventory inventory;
    private final List<Operation> operations = new ArrayList<>();
    private int failuresLeft;
    private BmcException.Kind failureKind = BmcException.Kind.DEVICE_ERROR;
    private Duration delay = Duration.ZERO;
    private boolean virtualMediaSupported = true;

    FakeMachine(String key, Clock clock, Supplier<FakeStateStore> store) {
        this.key = key;
        this.clock = clock;
        this.store = store;
        this.inventory = defaultInventory(key);
    }

    public String key() {
        return key;
    }

    public synchronized State state() {
        pull();
        return new State(power, boot, virtualMedia);
    }

    public synchronized PowerState power() {
        pull();
        return power;
    }

    public synchronized BootSetting boot() {
        pull();
        return boot;
    }

    public synchronized Optional<URI> virtualMedia() {
        pull();
        return Optional.ofNullable(virtualMedia);
    }

    public synchronized List<Operation> operations() {
        return List.copyOf(operations);
    }

    public synchronized void clearOperations() {
        operations.clear();
    }

    /** Sets the power as if someone pressed the button; not recorded as an operation. */
    public synchronized FakeMachine power(PowerState state) {
        pull();
        this.power = Objects.requireNonNull(state);
        push();
        return this;
    }

    public synchronized FakeMachine boot(BootSetting setting) {
        pull();
        this.boot = Objects.requireNonNull(setting);
        push();
        return this;
    }

    public synchronized HardwareInventory inventory() {
        return inventory;
    }

    public synchronized FakeMachine inventory(HardwareInventory inventory) {
        this.inventory = Objects.requireNonNull(inventory);
        return this;
    }

    /** The next {@code count} operations fail with {@code kind} and change nothing. */
    public synchronized FakeMachine failNext(int count, BmcException.Kind kind) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative");
        }
        this.failuresLeft = count;
        this.failureKind = Objects.requireNonNull(kind);
        return this;
    }

    public synchronized int failuresLeft() {
        return failuresLeft;
    }

    /** Every operation takes at least this long, as a slow BMC would. */
    public synchronized FakeMachine delay(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative");
        }
        this.delay = delay;
        return this;
    }

    public synchronized Duration delay() {
        return delay;
    }

    /**
     * Whether the BMC has virtual media. Off, it behaves as an IPMI BMC does: inserting or ejecting media
     * fails as UNSUPPORTED, so deploys take the PXE path.
     */
    public synchronized FakeMachine virtualMediaSupported(boolean supported) {
        this.virtualMediaSupported = supported;
        return this;
    }

    public synchronized boolean virtualMediaSupported() {
        return virtualMediaSupported;
    }

    /** An action applied to the machine's state under its lock; returns the operation's result. */
    @FunctionalInterface
    interface Action<T> {
        T apply(FakeMachine m) throws BmcException;
    }

    /**
     * Runs one operation: waits the configured delay (outside the lock, so other threads can look at
     * the machine meanwhile), consumes an injected failure if one is pending, else applies the action.
     */
    <T> T perform(String name, String argument, Action<T> action) throws BmcException {
        Duration wait;
        synchronized (this) {
            wait = delay;
        }
        if (!wait.isZero()) {
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                record(name, argument, BmcException.Kind.UNREACHABLE);
                throw new BmcException(BmcException.Kind.UNREACHABLE, "interrupted while talking to fake machine " + key, e);
            }
        }
        synchronized (this) {
            if (failuresLeft > 0) {
                failuresLeft--;
                record(name, argument, failureKind);
                throw new BmcException(failureKind, "injected failure of " + name + " on fake machine " + key
                        + " (" + failuresLeft + " more to come)");
            }
            pull();
            State before = new State(power, boot, virtualMedia);
            T result;
            try {
                result = action.apply(this);
            } catch (BmcException e) {
                // An operation the machine refuses (e.g. no virtual media) is still one it received.
                record(name, argument, e.kind());
                throw e;
            }
            if (!before.equals(new State(power, boot, virtualMedia))) {
                push();
            }
            record(name, argument, null);
            return result;
        }
    }

    /** Takes the shared state, if the machine keeps one; holding the lock. */
    private void pull() {
        FakeStateStore s = store.get();
        if (s != null) {
            s.load(key).ifPresent(st -> {
                power = st.power();
                boot = st.boot();
                virtualMedia = st.virtualMedia();
            });
        }
    }

    private void push() {
        FakeStateStore s = store.get();
        if (s != null) {
            s.save(key, new State(power, boot, virtualMedia));
        }
    }

    // Only called from perform, holding the lock.
    void setPowerLocked(PowerState state) {
        power = state;
    }

    void setBootLocked(BootSetting setting) {
        boot = setting;
    }

    void setVirtualMediaLocked(URI image) {
        virtualMedia = image;
    }

    private synchronized void record(String name, String argument, BmcException.Kind failure) {
        operations.add(new Operation(clock.instant(), name, argument, failure));
    }

    /** A plausible server whose MAC address follows from the key, so it is stable across runs. */
    private static HardwareInventory defaultInventory(String key) {
        int h = key.hashCode();
        String mac = String.format("52:54:00:%02x:%02x:%02x", (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
        return new HardwareInventory(8, "x86_64", 32768, 100,
                List.of(new HardwareInventory.Nic("eth0", mac)),
                List.of(new HardwareInventory.Disk("/dev/sda", 100L * 1024 * 1024 * 1024)));
    }
}
