package org.esi.cluster.openshift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.esi.crypto.SecretBox;
import org.esi.http.ApiException;
import org.esi.http.Jsons;

/**
 * A pool's {@code "openshift"} option: the Assisted Installer (assisted-service REST API v2) at {@code apiUrl}, reached
 * with an access token the SSO at {@code tokenUrl} issues for the offline token, and either an existing cluster to add
 * workers to (day 2: {@code openshiftClusterId} with its {@code apiVipDnsname}) or the settings of a new one (day 1).
 * The offline token and the pull secret are held sealed ({@link SecretBox}) from the moment they are parsed.
 */
public record OpenShiftSettings(String apiUrl, String tokenUrl, String sealedOfflineToken, String sealedPullSecret, String name,
                                String openshiftVersion, String baseDnsDomain, String openshiftClusterId, String apiVipDnsname) {
    public static final String DEFAULT_TOKEN_URL = "https://sso.redhat.com/auth/realms/redhat-external/protocol/openid-connect/token";
    static final String MASK = "******";
    private static final Set<String> FIELDS = Set.of("api_url", "token_url", "offline_token", "pull_secret", "name", "openshift_version",
            "base_dns_domain", "cluster_id", "api_vip_dnsname");
    private static final Pattern CLUSTER_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,52}[a-z0-9])?");
    private static final Pattern DNS_NAME = Pattern.compile("(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final Pattern VERSION = Pattern.compile("[0-9]{1,3}\\.[0-9]{1,3}(\\.[0-9]{1,4})?([.+-][A-Za-z0-9.+-]{1,30})?");
    private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7e]{1,8192}");

    public boolean dayTwo() {
        return openshiftClusterId != null;
    }

    /** The pool's {@code openshift} object, checked; {@code poolName} names the cluster when the object does not. */
    public static OpenShiftSettings parse(JsonNode node, String poolName, SecretBox secrets, ObjectMapper json) {
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("openshift must be an object: {\"api_url\", \"offline_token\", \"pull_secret\", and \"cluster_id\""
                    + " with \"api_vip_dnsname\" (day 2) or \"openshift_version\" with \"base_dns_domain\" (a new cluster)}");
        }
        ObjectNode o = (ObjectNode) node;
        Jsons.requireOnly(o, FIELDS, "openshift");
        String api = url(o, "api_url", null);
        String token = url(o, "token_url", DEFAULT_TOKEN_URL);
        String offline = offlineToken(o);
        String pull = pullSecret(o, json);
        String name = Jsons.optString(o, "name", 255);
        name = name == null ? poolName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-") : name;
        if (!CLUSTER_NAME.matcher(name).matches()) {
            throw ApiException.badRequest("openshift.name must be a DNS label of at most 54 characters (a-z, 0-9, '-'): '" + Jsons.clip(name) + "'");
        }
        String version = Jsons.optString(o, "openshift_version", 64);
        if (version != null && !VERSION.matcher(version).matches()) {
            throw ApiException.badRequest("openshift.openshift_version must be an OpenShift version such as 4.16: '" + Jsons.clip(version) + "'");
        }
        String domain = dnsName(o, "base_dns_domain");
        String cluster = Jsons.optString(o, "cluster_id", 64);
        if (cluster != null && !UUID_TEXT.matcher(cluster).matches()) {
            throw ApiException.badRequest("openshift.cluster_id must be the UUID of an existing OpenShift cluster (its spec.clusterID)");
        }
        String apiVip = dnsName(o, "api_vip_dnsname");
        if (cluster != null) {
            if (apiVip == null) {
                throw ApiException.badRequest("openshift.cluster_id (day 2) needs api_vip_dnsname: the DNS name of the cluster's API");
            }
            if (domain != null) {
                throw ApiException.badRequest("openshift.base_dns_domain is for a new cluster; with cluster_id the cluster exists already");
            }
        } else {
            if (version == null || domain == null) {
                throw ApiException.badRequest("openshift needs either cluster_id (add workers to that cluster) or, for a new cluster,"
                        + " openshift_version and base_dns_domain");
            }
            if (apiVip != null) {
                throw ApiException.badRequest("openshift.api_vip_dnsname goes with cluster_id (day 2) only");
            }
        }
        return new OpenShiftSettings(api, token, secrets.seal(offline), secrets.seal(pull), name, version, domain,
                cluster == null ? null : cluster.toLowerCase(Locale.ROOT), apiVip);
    }

    /** What the API shows: the secrets as {@value #MASK}, never their text. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("api_url", apiUrl);
        m.put("token_url", tokenUrl);
        m.put("offline_token", MASK);
        m.put("pull_secret", MASK);
        m.put("name", name);
        m.put("openshift_version", openshiftVersion);
        if (dayTwo()) {
            m.put("cluster_id", openshiftClusterId);
            m.put("api_vip_dnsname", apiVipDnsname);
        } else {
            m.put("base_dns_domain", baseDnsDomain);
        }
        return m;
    }

    @Override
    public String toString() {
        return "OpenShiftSettings[" + apiUrl + ", " + name + (dayTwo() ? ", day 2 of " + openshiftClusterId : ", day 1") + "]";
    }

    static String offlineToken(ObjectNode o) {
        String offline = Jsons.optString(o, "offline_token", 8192);
        if (offline == null || !TOKEN.matcher(offline).matches()) {
            throw ApiException.badRequest("openshift.offline_token is required: the offline token of the Assisted Installer's SSO (one line, no spaces)");
        }
        return offline;
    }

    static String pullSecret(ObjectNode o, ObjectMapper json) {
        String pull = Jsons.optString(o, "pull_secret", 16384);
        if (pull == null || !isPullSecret(pull, json)) {
            throw ApiException.badRequest("openshift.pull_secret is required: the pull secret's JSON text, {\"auths\": {...}}");
        }
        return pull;
    }

    private static String url(ObjectNode o, String field, String dflt) {
        String text = Jsons.optString(o, field, 2048);
        if (text == null) {
            if (dflt == null) {
                throw ApiException.badRequest("openshift." + field + " is required: the Assisted Installer's URL, e.g."
                        + " https://api.openshift.com/api/assisted-install");
            }
            return dflt;
        }
        try {
            URI u = new URI(text);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && u.getHost() != null && !u.getHost().isBlank() && u.getUserInfo() == null
                    && u.getFragment() == null) {
                return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
            }
        } catch (URISyntaxException bad) {
            // said below
        }
        throw ApiException.badRequest("openshift." + field + " must be an http:// or https:// URL with a host (and no user or fragment): '"
                + Jsons.clip(text) + "'");
    }

    private static String dnsName(ObjectNode o, String field) {
        String text = Jsons.optString(o, field, 253);
        if (text != null && !DNS_NAME.matcher(text.toLowerCase(Locale.ROOT)).matches()) {
            throw ApiException.badRequest("openshift." + field + " must be a DNS name such as example.com: '" + Jsons.clip(text) + "'");
        }
        return text == null ? null : text.toLowerCase(Locale.ROOT);
    }

    private static boolean isPullSecret(String text, ObjectMapper json) {
        try {
            JsonNode n = json.readTree(text);
            return n != null && n.isObject() && n.path("auths").isObject();
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
