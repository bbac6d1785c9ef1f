package org.esi.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyLoadTest {

    private static final Credentials ADMIN = new Credentials("u-admin", "p-1", Set.of("admin"));
    private static final Credentials MEMBER = new Credentials("u-1", "p-1", Set.of("member"));
    private static final Credentials READER = new Credentials("u-2", "p-2", Set.of("reader"));

    private static final Map<String, String> DEFAULTS = Map.of(
            "admin", "role:admin",
            "owner", "project_id:%(project_id)s",
            "node:get", "rule:admin or rule:owner",
            "node:delete", "rule:admin");

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void defaultsOnlyWhenNoFile() {
        Policy policy = Policy.load(DEFAULTS, null);
        assertThat(policy.enforce("node:delete", ADMIN, Map.of())).isTrue();
        assertThat(policy.enforce("node:delete", MEMBER, Map.of())).isFalse();
    }

    @Test
    void fileOverridesDefaultAndAddsRules() throws IOException {
        Path file = write("""
                # operators may let members delete nodes in their own project
                "node:delete": "rule:admin or (role:member and rule:owner)"
                # a rule the server does not define
                'node:audit': 'role:reader'
                """);
        Policy policy = Policy.load(DEFAULTS, file);
        Map<String, Object> own = Map.of("project_id", "p-1");
        assertThat(policy.enforce("node:delete", MEMBER, own)).isTrue();
        assertThat(policy.enforce("node:delete", MEMBER, Map.of("project_id", "p-9"))).isFalse();
        assertThat(policy.enforce("node:audit", READER, Map.of())).isTrue();
        assertThat(policy.enforce("node:audit", ADMIN, Map.of())).isFalse();
        // untouched defaults still apply
        assertThat(policy.enforce("node:get", MEMBER, own)).isTrue();
        assertThat(policy.has("node:audit")).isTrue();
    }

    @Test
    void overrideCanMakeARuleStricter() throws IOException {
        Path file = write("\"node:get\": \"!\"\n");
        Policy policy = Policy.load(DEFAULTS, file);
        assertThat(policy.enforce("node:get", ADMIN, Map.of("project_id", "p-1"))).isFalse();
    }

    @Test
    void defaultsReferencingAnOverriddenRuleSeeTheOverride() throws IOException {
        Path file = write("\"admin\": \"role:superuser\"\n");
        Policy policy = Policy.load(DEFAULTS, file);
        Credentials superuser = new Credentials("s", "p-x", Set.of("superuser"));
        assertThat(policy.enforce("node:delete", ADMIN, Map.of())).isFalse();
        assertThat(policy.enforce("node:delete", superuser, Map.of())).isTrue();
        assertThat(policy.enforce("node:get", superuser, Map.of("project_id", "p-1"))).isTrue();
    }

    @Test
    void emptyAndCommentOnlyFilesKeepDefaults() throws IOException {
        assertThat(Policy.load(DEFAULTS, write("")).enforce("node:delete", ADMIN, Map.of())).isTrue();
        assertThat(Policy.load(DEFAULTS, write("# nothing overridden\n")).enforce("node:delete", MEMBER, Map.of()))
                .isFalse();
    }

    @Test
    void emptyRuleTextInFileAlwaysPasses() throws IOException {
        Policy policy = Policy.load(DEFAULTS, write("\"node:delete\": \"\"\n"));
        assertThat(policy.enforce("node:delete", READER, Map.of())).isTrue();
    }

    @Test
    void unknownRuleReferenceInDefaultsFailsLoad() {
        Map<String, String> defaults = Map.of("a", "role:x or rule:admni");
        assertThatThrownBy(() -> Policy.load(defaults, null))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("rule 'a'")
                .hasMessageContaining("unknown rule 'admni'");
    }

    @Test
    void unknownRuleReferenceInFileNamesFileAndLine() throws IOException {
        Path file = write("""
                # comment
                "node:get": "rule:admin"
                "node:delete": "rule:admni"
                """);
        assertThatThrownBy(() -> Policy.load(DEFAULTS, file))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("line 3")
                .hasMessageContaining("unknown rule 'admni'");
    }

    @Test
    void unusedRuleWithUnknownReferenceStillFailsLoad() {
        Map<String, String> defaults = Map.of("used", "@", "unused", "rule:missing");
        assertThatThrownBy(() -> Policy.load(defaults, null))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("unknown rule 'missing'");
    }

    @Test
    void cycleFailsLoad() {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("a", "rule:b or role:admin");
        defaults.put("b", "role:member and rule:c");
        defaults.put("c", "not rule:a");
        assertThatThrownBy(() -> Policy.load(defaults, null))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("cycle")
                .hasMessageContaining("a -> b -> c -> a");
    }

    @Test
    void selfReferenceFailsLoad() {
        assertThatThrownBy(() -> Policy.load(Map.of("a", "role:x or rule:a"), null))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("a -> a");
    }

    @Test
    void cycleIntroducedByOverrideFailsLoad() throws IOException {
        // the defaults are acyclic; the operator makes "admin" point back at "node:delete"
        Path file = write("\"admin\": \"rule:node:delete\"\n");
        assertThatThrownBy(() -> Policy.load(DEFAULTS, file))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("cycle")
                .hasMessageContaining("line 1");
    }

    @Test
    void sharedReferenceWithoutCycleLoads() {
        // diamond: d reaches a twice, which is not a cycle
        Policy policy = Policy.load(Map.of(
                "a", "role:admin",
                "b", "rule:a",
                "c", "rule:a",
                "d", "rule:b and rule:c"), null);
        assertThat(policy.enforce("d", ADMIN, Map.of())).isTrue();
        assertThat(policy.enforce("d", MEMBER, Map.of())).isFalse();
    }

    @Test
    void unparseableRuleReportsLineNumberFileAndToken() throws IOException {
        Path file = write("""
                "node:get": "rule:admin"
                # the next rule has a dangling operator
                "node:delete": "role:admin or"
                """);
        assertThatThrownBy(() -> Policy.load(DEFAULTS, file))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("line 3")
                .hasMessageContaining("rule 'node:delete'")
                .hasMessageContaining("'or'");
    }

    @Test
    void unknownCheckKindReportsLine() throws IOException {
        Path file = write("""
                "node:get": "rule:admin"
                "node:delete": "proj_id:%(project_id)s"
                """);
        assertThatThrownBy(() -> Policy.load(DEFAULTS, file))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("proj_id");
    }

    @Test
    void nonStringValueReportsLine() throws IOException {
        Path file = write("""
                "node:get": "rule:admin"
                "node:delete": 42
                """);
        assertThatThrownBy(() -> Policy.load(DEFAULTS, file))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("line 2")
                .hasMessageContaining("'node:delete'")
                .hasMessageContaining("must be a string");
    }

    @Test
    void listOrMappingOrNullValueIsRejected() throws IOException {
        for (String value : new String[] {"[\"role:admin\"]", "{a: b}", "", "true"}) {
            Path file = write("\"node:get\": \"@\"\n\"node:delete\": " + value + "\n");
            assertThatThrownBy(() -> Policy.load(DEFAULTS, file))
                    .as(value)
                    .isInstanceOf(PolicyException.class)
                    .hasMessageContaining("line 2")
                    .hasMessageContaining("must be a string");
        }
    }

    @Test
    void topLevelListIsRejected() throws IOException {
        Path file = write("- \"role:admin\"\n");
        assertThatThrownBy(() -> Policy.load(DEFAULTS, file))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("mapping");
    }

    @Test
    void badYamlReportsLine() throws IOException {
        Path file = write("""
                "node:get": "rule:admin"
                "node:list": "@"
                "node:delete": "role:admin
                "node:create": "@"
                """);
        assertThatThrownBy(() -> Policy.load(DEFAULTS, file))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining(file.toString())
                // the quote opened on line 3 swallows the newline; the scanner trips over line 4
                .hasMessageContaining("line 4:")
                .hasMessageContaining("invalid YAML");
    }

    @Test
    void unquotedAtSignIsBadYamlOnItsLine() throws IOException {
        Path file = write("""
                "node:get": "rule:admin"
                "node:delete": @
                """);
        assertThatThrownBy(() -> Policy.load(DEFAULTS, file))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("line 2:")
                .hasMessageContaining("'@'");
    }

    @Test
    void secondYamlDocumentIsRejected() throws IOException {
        Path file = write("""
                "node:get": "rule:admin"
                ---
                "node:delete": "@"
                """);
        assertThatThrownBy(() -> Policy.load(DEFAULTS, file))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("single YAML document");
    }

    @Test
    void badIndentationReportsItsLine() throws IOException {
        Path file = write("""
                "node:get": "rule:admin"
                  "node:delete": "@"
                """);
        assertThatThrownBy(() -> Policy.load(DEFAULTS, file))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("invalid YAML");
    }

    @Test
    void duplicateKeyInFileIsRejected() throws IOException {
        Path file = write("""
                "node:delete": "@"
                "node:get": "@"
                "node:delete": "!"
                """);
        assertThatThrownBy(() -> Policy.load(DEFAULTS, file))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("line 3")
                .hasMessageContaining("line 1");
    }

    @Test
    void missingFileNamesFile() {
        Path file = dir.resolve("absent.yaml");
        assertThatThrownBy(() -> Policy.load(DEFAULTS, file))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void unparseableDefaultIsReportedAsDefault() {
        assertThatThrownBy(() -> Policy.load(Map.of("x", "role:a ( role:b"), null))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("default rule")
                .hasMessageContaining("rule 'x'");
    }
}
