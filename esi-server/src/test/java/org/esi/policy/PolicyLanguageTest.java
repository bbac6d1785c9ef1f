package org.esi.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolicyLanguageTest {

    private static final Credentials ADMIN = new Credentials("u-admin", "p-1", Set.of("admin", "member"));
    private static final Credentials MEMBER = new Credentials("u-1", "p-1", Set.of("member"));
    private static final Credentials READER = new Credentials("u-2", "p-2", Set.of("reader"));
    private static final Credentials ANONYMOUS = new Credentials(null, null, Set.of());

    /** Evaluates a single rule named "r". */
    private static boolean eval(String rule, Credentials creds, Map<String, Object> target) {
        return Policy.load(Map.of("r", rule), null).enforce("r", creds, target);
    }

    private static boolean eval(String rule, Credentials creds) {
        return eval(rule, creds, Map.of());
    }

    @Test
    void atAndEmptyAlwaysPassBangNeverDoes() {
        assertThat(eval("@", ANONYMOUS)).isTrue();
        assertThat(eval("", ANONYMOUS)).isTrue();
        assertThat(eval("   ", ANONYMOUS)).isTrue();
        assertThat(eval("!", ADMIN)).isFalse();
    }

    @Test
    void roleCheck() {
        assertThat(eval("role:admin", ADMIN)).isTrue();
        assertThat(eval("role:admin", MEMBER)).isFalse();
        assertThat(eval("role:admin", ANONYMOUS)).isFalse();
    }

    @Test
    void roleNameInRuleIsCaseInsensitive() {
        assertThat(eval("role:Admin", ADMIN)).isTrue();
        assertThat(eval("role:ADMIN", MEMBER)).isFalse();
    }

    @Test
    void roleFromTargetIsSubstitutedAndLowerCased() {
        assertThat(eval("role:%(required_role)s", MEMBER, Map.of("required_role", "Member"))).isTrue();
        assertThat(eval("role:%(required_role)s", READER, Map.of("required_role", "member"))).isFalse();
        assertThat(eval("role:%(required_role)s", MEMBER, Map.of())).isFalse();
    }

    @Test
    void credentialAttributeAgainstLiteral() {
        assertThat(eval("project_id:p-1", MEMBER)).isTrue();
        assertThat(eval("project_id:p-1", READER)).isFalse();
        assertThat(eval("user_id:u-2", READER)).isTrue();
        assertThat(eval("user_id:u-2", MEMBER)).isFalse();
    }

    @Test
    void credentialAttributeAgainstTargetSubstitution() {
        assertThat(eval("project_id:%(project_id)s", MEMBER, Map.of("project_id", "p-1"))).isTrue();
        assertThat(eval("project_id:%(project_id)s", MEMBER, Map.of("project_id", "p-2"))).isFalse();
        assertThat(eval("user_id:%(owner)s", READER, Map.of("owner", "u-2"))).isTrue();
    }

    @Test
    void dottedTargetKeyIsOneFlatMapKey() {
        assertThat(eval("user_id:%(node.owner)s", MEMBER, Map.of("node.owner", "u-1"))).isTrue();
        assertThat(eval("user_id:%(node.owner)s", MEMBER, Map.of("node.owner", "u-9"))).isFalse();
        // No nested lookup: a map under "node" does not satisfy "node.owner".
        assertThat(eval("user_id:%(node.owner)s", MEMBER, Map.of("node", Map.of("owner", "u-1")))).isFalse();
    }

    @Test
    void missingOrNullTargetKeyIsFalseNotAnError() {
        Map<String, Object> nullValue = new HashMap<>();
        nullValue.put("project_id", null);
        assertThat(eval("project_id:%(project_id)s", MEMBER, Map.of())).isFalse();
        assertThat(eval("project_id:%(project_id)s", MEMBER, nullValue)).isFalse();
        assertThat(eval("project_id:%(project_id)s", MEMBER, null)).isFalse();
        // ...and a missing key inside "not" makes the negation true, as in oslo.
        assertThat(eval("not project_id:%(project_id)s", MEMBER, Map.of())).isTrue();
    }

    @Test
    void nullTargetStillEvaluatesRulesThatDoNotNeedIt() {
        assertThat(eval("role:admin", ADMIN, null)).isTrue();
        assertThat(eval("@", ANONYMOUS, null)).isTrue();
    }

    @Test
    void nullCredentialValueNeverMatches() {
        assertThat(eval("project_id:%(project_id)s", ANONYMOUS, Map.of("project_id", "p-1"))).isFalse();
        assertThat(eval("user_id:None", ANONYMOUS)).isFalse();
        assertThat(eval("user_id:%(owner)s", new Credentials(null, "p-1", Set.of()), Map.of("owner", "null"))).isFalse();
    }

    @Test
    void substitutionMixedWithText() {
        assertThat(eval("project_id:p-%(n)s", MEMBER, Map.of("n", 1))).isTrue();
        assertThat(eval("project_id:p-%(n)s", MEMBER, Map.of("n", 2))).isFalse();
        assertThat(eval("project_id:p-%(n)s", MEMBER, Map.of())).isFalse();
        assertThat(eval("user_id:100%%", new Credentials("100%", null, Set.of()))).isTrue();
    }

    @Test
    void quotedLiteralAgainstTarget() {
        assertThat(eval("'public':%(visibility)s", ANONYMOUS, Map.of("visibility", "public"))).isTrue();
        assertThat(eval("'public':%(visibility)s", ANONYMOUS, Map.of("visibility", "private"))).isFalse();
        assertThat(eval("\"public\":%(visibility)s", ANONYMOUS, Map.of("visibility", "public"))).isTrue();
        assertThat(eval("'public':%(visibility)s", ANONYMOUS, Map.of())).isFalse();
    }

    @Test
    void quotedLiteralMayContainColon() {
        assertThat(eval("'a:b':%(x)s", ANONYMOUS, Map.of("x", "a:b"))).isTrue();
        assertThat(eval("'a:b':%(x)s", ANONYMOUS, Map.of("x", "a"))).isFalse();
    }

    @Test
    void booleanLiteralsMatchPythonRendering() {
        assertThat(eval("True:%(node.shared)s", ANONYMOUS, Map.of("node.shared", true))).isTrue();
        assertThat(eval("True:%(node.shared)s", ANONYMOUS, Map.of("node.shared", false))).isFalse();
        assertThat(eval("True:%(node.shared)s", ANONYMOUS, Map.of("node.shared", "True"))).isTrue();
        assertThat(eval("True:%(node.shared)s", ANONYMOUS, Map.of("node.shared", "true"))).isFalse();
        assertThat(eval("False:%(node.shared)s", ANONYMOUS, Map.of("node.shared", false))).isTrue();
        assertThat(eval("False:%(node.shared)s", ANONYMOUS, Map.of("node.shared", true))).isFalse();
        assertThat(eval("True:%(node.shared)s", ANONYMOUS, Map.of())).isFalse();
    }

    @Test
    void integerLiteralIsNormalisedLikePython() {
        assertThat(eval("1:%(count)s", ANONYMOUS, Map.of("count", 1))).isTrue();
        assertThat(eval("01:%(count)s", ANONYMOUS, Map.of("count", "1"))).isTrue();
        assertThat(eval("1:%(count)s", ANONYMOUS, Map.of("count", 2))).isFalse();
    }

    @Test
    void and() {
        assertThat(eval("role:admin and project_id:p-1", ADMIN)).isTrue();
        assertThat(eval("role:admin and project_id:p-2", ADMIN)).isFalse();
        assertThat(eval("role:admin and project_id:p-1", MEMBER)).isFalse();
        assertThat(eval("role:member and role:admin and user_id:u-admin", ADMIN)).isTrue();
        assertThat(eval("role:member and role:admin and user_id:u-1", ADMIN)).isFalse();
    }

    @Test
    void or() {
        assertThat(eval("role:admin or role:reader", READER)).isTrue();
        assertThat(eval("role:admin or role:reader", ADMIN)).isTrue();
        assertThat(eval("role:admin or role:reader", MEMBER)).isFalse();
        assertThat(eval("role:x or role:y or role:member", MEMBER)).isTrue();
    }

    @Test
    void not() {
        assertThat(eval("not role:admin", MEMBER)).isTrue();
        assertThat(eval("not role:admin", ADMIN)).isFalse();
        assertThat(eval("not not role:admin", ADMIN)).isTrue();
        assertThat(eval("not !", ANONYMOUS)).isTrue();
        assertThat(eval("not @", ADMIN)).isFalse();
    }

    @Test
    void keywordsAreCaseInsensitive() {
        assertThat(eval("role:admin OR role:reader", READER)).isTrue();
        assertThat(eval("role:member AND NOT role:admin", MEMBER)).isTrue();
        assertThat(eval("role:member And Not role:admin", ADMIN)).isFalse();
    }

    @Test
    void andBindsTighterThanOr() {
        // a or (b and c): admin alone passes although "project_id:p-9" is false.
        assertThat(eval("role:admin or role:member and project_id:p-9", ADMIN)).isTrue();
        // (a or b) and c would pass here too; a or (b and c) must not.
        assertThat(eval("role:member or role:admin and project_id:p-9", READER)).isFalse();
        // (b and c) or a, written the other way round.
        assertThat(eval("role:member and project_id:p-9 or role:admin", ADMIN)).isTrue();
        assertThat(eval("role:member and project_id:p-9 or role:admin", MEMBER)).isFalse();
    }

    @Test
    void notBindsTighterThanAndAndOr() {
        // (not admin) and member: member passes, admin (who is also member) does not.
        assertThat(eval("not role:admin and role:member", MEMBER)).isTrue();
        assertThat(eval("not role:admin and role:member", ADMIN)).isFalse();
        // (not admin) or reader: if not bound the whole "or", admin+reader would be denied.
        Credentials adminReader = new Credentials("u", "p", Set.of("admin", "reader"));
        assertThat(eval("not role:admin or role:reader", adminReader)).isTrue();
    }

    @Test
    void parenthesesOverridePrecedence() {
        assertThat(eval("(role:admin or role:member) and project_id:p-9", ADMIN)).isFalse();
        assertThat(eval("(role:admin or role:member) and project_id:p-1", MEMBER)).isTrue();
        assertThat(eval("not (role:admin or role:member)", MEMBER)).isFalse();
        assertThat(eval("not (role:admin or role:member)", READER)).isTrue();
        assertThat(eval("((role:admin))", ADMIN)).isTrue();
        assertThat(eval("( role:reader or (role:member and (project_id:p-1)) )", MEMBER)).isTrue();
        assertThat(eval("( role:reader or (role:member and (project_id:p-2)) )", MEMBER)).isFalse();
    }

    @Test
    void parenthesisAroundSubstitutionKeepsTheInnerParen() {
        assertThat(eval("(project_id:%(project_id)s)", MEMBER, Map.of("project_id", "p-1"))).isTrue();
        assertThat(eval("(role:x or project_id:%(project_id)s)", MEMBER, Map.of("project_id", "p-2"))).isFalse();
    }

    @Test
    void ruleReferencesAreFollowed() {
        Policy policy = Policy.load(Map.of(
                "admin_required", "role:admin",
                "owner", "project_id:%(project_id)s",
                "admin_or_owner", "rule:admin_required or rule:owner",
                "get_node", "rule:admin_or_owner",
                "never_owner", "not rule:owner"), null);
        Map<String, Object> ownTarget = Map.of("project_id", "p-1");
        Map<String, Object> otherTarget = Map.of("project_id", "p-2");
        assertThat(policy.enforce("get_node", MEMBER, ownTarget)).isTrue();
        assertThat(policy.enforce("get_node", MEMBER, otherTarget)).isFalse();
        assertThat(policy.enforce("get_node", ADMIN, otherTarget)).isTrue();
        assertThat(policy.enforce("never_owner", MEMBER, ownTarget)).isFalse();
        assertThat(policy.enforce("never_owner", MEMBER, otherTarget)).isTrue();
    }

    @Test
    void hasAndUnknownRuleName() {
        Policy policy = Policy.load(Map.of("a", "@"), null);
        assertThat(policy.has("a")).isTrue();
        assertThat(policy.has("b")).isFalse();
        assertThat(policy.has(null)).isFalse();
        assertThatThrownBy(() -> policy.enforce("b", ADMIN, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'b'");
    }

    @Test
    void credentialsRolesAreCopied() {
        Set<String> roles = new HashSet<>(Set.of("member"));
        Credentials creds = new Credentials("u", "p", roles);
        roles.add("admin");
        assertThat(eval("role:admin", creds)).isFalse();
        assertThat(new Credentials("u", "p", null).roles()).isEmpty();
    }

    @Test
    void concurrentEvaluationIsConsistent() {
        Policy policy = Policy.load(Map.of(
                "owner", "project_id:%(project_id)s",
                "r", "role:admin or (rule:owner and not role:reader)"), null);
        List<Boolean> results = IntStream.range(0, 20_000).parallel()
                .mapToObj(i -> policy.enforce("r", i % 2 == 0 ? MEMBER : READER,
                        Map.of("project_id", i % 2 == 0 ? "p-1" : "p-2")) == (i % 2 == 0))
                .toList();
        assertThat(results).containsOnly(true);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            role:admin and                 | after 'and'
            role:admin or                  | after 'or'
            not                            | after 'not'
            and role:admin                 | unexpected 'and'
            role:admin )                   | unbalanced ')'
            ( role:admin                   | missing ')'
            ( role:admin role:x )          | unexpected 'role:x'
            role:admin role:member         | unexpected 'role:member'
            ()                             | unexpected ')'
            admin                          | invalid check 'admin'
            proj_id:p-1                    | unknown check kind 'proj_id'
            http://example.com/check       | unknown check kind 'http'
            role:                          | check 'role:' has an empty value
            project_id:%(project_id)d      | unsupported substitution in 'project_id:%(project_id)d'
            project_id:%(project_id        | invalid substitution in 'project_id:%(project_id'
            project_id:50%                 | invalid substitution in 'project_id:50%'
            project_id:%()s                | empty substitution key
            'public:%(visibility)s         | invalid check ''public:%(visibility)s'
            """)
    void parseErrorsNameRuleAndOffendingToken(String rule, String expected) {
        assertThatThrownBy(() -> Policy.load(Map.of("my_rule", rule), null))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("rule 'my_rule'")
                .hasMessageContaining(expected)
                .hasMessageContaining("default rule");
    }
}
