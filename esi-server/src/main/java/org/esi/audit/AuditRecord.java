package org.esi.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** An audit record in its place in the chain: its id, the previous record's hash and its own. */
public record AuditRecord(long id, AuditEntry entry, byte[] prevHash, byte[] hash) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Names the canonical form, so a later change of it can be told apart from tampering. */
    private static final String FORMAT = "esi-audit-1";

    /**
     * The bytes a record's hash covers besides the previous hash: a JSON array in a fixed order (so no field's
     * text can pass for another's), with the id, so a record moved or renumbered no longer matches.
     */
    static byte[] canonical(long id, AuditEntry e) {
        ArrayNode a = JSON.createArrayNode();
        a.add(FORMAT).add(id).add(e.recordedAt().toString()).add(e.userId()).add(e.userName()).add(e.projectId());
        ArrayNode roles = a.addArray();
        e.roles().forEach(roles::add);
        a.add(e.method()).add(e.route()).add(e.targetType()).add(e.targetId());
        if (e.status() == null) {
            a.addNull();
        } else {
            a.add(e.status().intValue());
        }
        a.add(e.outcome()).add(e.requestId()).add(e.sourceAddress());
        try {
            return JSON.writeValueAsString(a).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    static byte[] hash(byte[] prevHash, long id, AuditEntry e) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(prevHash);
            sha.update(canonical(id, e));
            return sha.digest();
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    public String hashHex() {
        return HexFormat.of().formatHex(hash);
    }
}
