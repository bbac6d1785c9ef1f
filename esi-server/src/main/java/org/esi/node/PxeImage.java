package org.esi.node;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a node deployed over PXE boots, read from its instance_info, and the iPXE script that boots it:
 * {@code kernel} + {@code ramdisk} (with optional {@code kernel_append_params}) are loaded and booted;
 * otherwise {@code image_source} (an ISO, or a raw disk image) is {@code sanboot}ed over HTTP.
 *
 * <p>The script names the image's own http(s) URL, so the node fetches the image from where the operator
 * put it and this service never reads or serves local files. Everything placed in the script is
 * checked against a conservative character set: instance_info is written by lessees, and a newline or an
 * iPXE {@code ${...}} expansion in it must not become a command the node runs.
 *
 * @param image      the image_source URL
 * @param kernel     the kernel URL, or null to sanboot the image
 * @param ramdisk    the ramdisk URL, null exactly when kernel is
 * @param kernelArgs the kernel command line, empty when none
 */
record PxeImage(URI image, URI kernel, URI ramdisk, String kernelArgs) {
    /** RFC 3986 characters without spaces, a fragment (#), or what iPXE's command line treats specially ($ ' " \). */
    private static final Pattern SAFE_URL = Pattern.compile("[A-Za-z0-9._~:/?\\[\\]@!&()*+,;=%-]{1,2000}");
    private static final Pattern SAFE_ARGS = Pattern.compile("[A-Za-z0-9._,:/=+@%-]+( [A-Za-z0-9._,:/=+@%-]+)*");

    /** Reads instance_info; a missing or unusable value is an IllegalArgumentException saying which. */
    static PxeImage from(JsonNode instanceInfo) {
        URI image = url(instanceInfo, "image_source");
        boolean hasKernel = instanceInfo.hasNonNull("kernel");
        if (hasKernel != instanceInfo.hasNonNull("ramdisk")) {
            throw new IllegalArgumentException("instance_info.kernel and instance_info.ramdisk go together; give both or neither");
        }
        String args = instanceInfo.path("kernel_append_params").asText("").strip();
        if (!args.isEmpty() && (!hasKernel || !SAFE_ARGS.matcher(args).matches())) {
            throw new IllegalArgumentException(hasKernel
                    ? "instance_info.kernel_append_params may hold only letters, digits, single spaces and . _ , : / = + @ % -"
                    : "instance_info.kernel_append_params needs instance_info.kernel and ramdisk");
        }
        return hasKernel ? new PxeImage(image, url(instanceInfo, "kernel"), url(instanceInfo, "ramdisk"), args)
                : new PxeImage(image, null, null, "");
    }

    String script() {
        StringBuilder s = new StringBuilder("#!ipxe\n");
        if (kernel != null) {
            s.append("kernel ").append(kernel.toASCIIString()).append(kernelArgs.isEmpty() ? "" : " " + kernelArgs).append('\n');
            s.append("initrd ").append(ramdisk.toASCIIString()).append('\n');
            s.append("boot\n");
        } else {
            s.append("sanboot ").append(image.toASCIIString()).append('\n');
        }
        return s.toString();
    }

    private static URI url(JsonNode instanceInfo, String field) {
        String text = instanceInfo.path(field).asText("");
        if (text.isBlank()) {
            throw new IllegalArgumentException("instance_info." + field + " is required to deploy");
        }
        if (!SAFE_URL.matcher(text).matches()) {
            throw new IllegalArgumentException("instance_info." + field + " is not a URL an iPXE script can carry"
                    + " (percent-encode spaces, quotes, $ and backslashes)");
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("instance_info." + field + " is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        // PXE boots fetch over the network; a file: or other local source would need this service to read
        // its own disk on behalf of an unauthenticated caller, which it never does.
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("instance_info." + field + " must be an http:// or https:// URL for a PXE deploy");
        }
        return uri;
    }
}
