package org.esi.app;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

/**
 * The whole-disk image the pool member VM test deploys: a 48 MiB MBR disk (syslinux's mbr.bin, disk id 7e570500) with one
 * bootable FAT partition from sector 2048 holding syslinux, the agent image's kernel and two initramfs archives, loaded one
 * after the other: the agent's own (for busybox and the kernel modules) and a small one whose {@code /init}
 * ({@code e2e/test-os-init}) replaces the agent's. That /init is a minimal stand-in for cloud-init: it finds the config
 * drive (label config-2), brings the network up by DHCP and runs {@code openstack/latest/user_data} when it starts with
 * {@code #!}. The kernel command line carries {@link #MARKER}, which only this image's boot loader gives.
 *
 * <p>Built with Debian's syslinux, syslinux-common, mtools and dosfstools (no root, no mount), once per run and cached in
 * target/test-os-image under a stamp over its inputs.
 */
final class TestOsImage {
    static final String MARKER = "esi_test_os=1";
    static final int SIZE = 48 << 20;
    static final int DISK_ID = 0x7e570500;
    private static final String MBR = "/usr/lib/syslinux/mbr/mbr.bin";
    private static Path built;

    private TestOsImage() {}

    /** The Debian packages whose tools build it, with whether each is missing here. */
    static java.util.Map<String, Boolean> missingTools() {
        java.util.Map<String, Boolean> m = new java.util.LinkedHashMap<>();
        m.put("syslinux", AgentVirtualMachine.onPath("syslinux").isEmpty());
        m.put("syslinux-common", !Files.exists(Path.of(MBR)));
        m.put("mtools", AgentVirtualMachine.onPath("mcopy").isEmpty());
        m.put("dosfstools", AgentVirtualMachine.onPath("mkfs.vfat").isEmpty() && !Files.isExecutable(Path.of("/usr/sbin/mkfs.vfat"))
                && !Files.isExecutable(Path.of("/sbin/mkfs.vfat")));
        return m;
    }

    /** The raw disk image (built when its inputs changed). */
    static synchronized Path disk() throws Exception {
        if (built != null) {
            return built;
        }
        Path agent = AgentImage.directory();
        Path out = Files.createDirectories(AgentImage.repository().resolve("target/test-os-image"));
        Path disk = out.resolve("test-os.raw");
        byte[] init = resource("e2e/test-os-init");
        String cfg = String.join("\n", "default os", "prompt 0", "timeout 0", "label os", "  kernel /vmlinuz",
                "  append initrd=/agent.gz,/init.gz console=ttyS0 " + MARKER, "");
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        for (String f : List.of("esi-agent.kernel", "esi-agent.initramfs")) {
            d.update(Files.readAllBytes(agent.resolve(f)));
        }
        d.update(init);
        d.update(cfg.getBytes(StandardCharsets.UTF_8));
        d.update(Files.readAllBytes(Path.of(MBR)));
        d.update(resource("org/esi/app/TestOsImage.class"));
        String stamp = HexFormat.of().formatHex(d.digest());
        Path stampFile = out.resolve("test-os.stamp");
        if (Files.exists(disk) && Files.exists(stampFile) && Files.readString(stampFile).strip().equals(stamp)) {
            return built = disk;
        }
        Path work = Files.createTempDirectory(out, "build-");
        Path tmp = work.resolve("disk.raw");
        try (RandomAccessFile f = new RandomAccessFile(tmp.toFile(), "rw")) {
            f.setLength(SIZE);
            f.write(Files.readAllBytes(Path.of(MBR)));
            byte[] table = new byte[72];
            ByteBuffer b = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(0, DISK_ID);
            table[6] = (byte) 0x80; // bootable
            table[6 + 1] = (byte) 0xfe;
            table[6 + 2] = (byte) 0xff;
            table[6 + 3] = (byte) 0xff;
            table[6 + 4] = 0x0c; // FAT32 (LBA)
            table[6 + 5] = (byte) 0xfe;
            table[6 + 6] = (byte) 0xff;
            table[6 + 7] = (byte) 0xff;
            b.putInt(6 + 8, 2048);
            b.putInt(6 + 12, SIZE / 512 - 2048);
            table[70] = 0x55;
            table[71] = (byte) 0xaa;
            f.seek(440);
            f.write(table);
        }
        Files.writeString(work.resolve("syslinux.cfg"), cfg);
        Files.write(work.resolve("init.gz"), overlay(init));
        String part = tmp + "@@1M";
        run(work, "mkfs.vfat", "-F", "32", "-n", "ESI-TEST-OS", "-i", Integer.toHexString(DISK_ID), "--offset", "2048", tmp.toString(),
                Integer.toString((SIZE >> 10) - 1024));
        run(work, "syslinux", "--offset", Integer.toString(2048 * 512), "--install", tmp.toString());
        run(work, "mcopy", "-i", part, agent.resolve("esi-agent.kernel").toString(), "::vmlinuz");
        run(work, "mcopy", "-i", part, agent.resolve("esi-agent.initramfs").toString(), "::agent.gz");
        run(work, "mcopy", "-i", part, work.resolve("init.gz").toString(), "::init.gz");
        run(work, "mcopy", "-i", part, work.resolve("syslinux.cfg").toString(), "::syslinux.cfg");
        Files.move(tmp, disk, StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(stampFile, stamp + "\n");
        try (var s = Files.walk(work)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        return built = disk;
    }

    /** A gzipped newc cpio holding only {@code /init} (mode 0755), which the kernel unpacks over the agent's archive. */
    static byte[] overlay(byte[] init) throws IOException {
        ByteArrayOutputStream cpio = new ByteArrayOutputStream();
        entry(cpio, "init", 0100755, init);
        entry(cpio, "TRAILER!!!", 0, new byte[0]);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(cpio.toByteArray());
        }
        return gz.toByteArray();
    }

    private static void entry(ByteArrayOutputStream out, String name, int mode, byte[] data) {
        byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        StringBuilder h = new StringBuilder("070701");
        for (int v : new int[] {1, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, n.length, 0}) {
            h.append(String.format("%08X", v));
        }
        out.writeBytes(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(n);
        pad(out);
        out.writeBytes(data);
        pad(out);
    }

    private static void pad(ByteArrayOutputStream out) {
        while (out.size() % 4 != 0) {
            out.write(0);
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = TestOsImage.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + name + " is missing");
            }
            return in.readAllBytes();
        }
    }

    private static void run(Path work, String... cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of(cmd));
        if (c.get(0).equals("mkfs.vfat") && AgentVirtualMachine.onPath("mkfs.vfat").isEmpty()) {
            c.set(0, Files.isExecutable(Path.of("/usr/sbin/mkfs.vfat")) ? "/usr/sbin/mkfs.vfat" : "/sbin/mkfs.vfat");
        }
        Path log = work.resolve("build.log");
        ProcessBuilder pb = new ProcessBuilder(c).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("MTOOLS_SKIP_CHECK", "1");
        Process p = pb.start();
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", c) + " failed:\n" + Files.readString(log));
        }
    }
}
