package org.esi.http;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Query parameters after the unknown-name check, with typed readers that answer 400 on bad values. */
public final class Query {
    private final Map<String, List<String>> params;

    Query(Map<String, List<String>> params) {
        this.params = params;
    }

    public Optional<String> string(String name) {
        List<String> values = params.get(name);
        if (values == null || values.isEmpty()) {
            return Optional.empty();
        }
        if (values.size() > 1) {
            throw ApiException.badRequest("Query parameter '" + name + "' was given more than once");
        }
        return Optional.of(values.get(0));
    }

    public boolean has(String name) {
        return params.containsKey(name);
    }

    public Optional<Boolean> bool(String name) {
        return string(name).map(v -> switch (v.toLowerCase()) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw ApiException.badRequest("Query parameter '" + name + "' must be true or false, not '" + v + "'");
        });
    }

    public Optional<Integer> positiveInt(String name) {
        return string(name).map(v -> {
            try {
                int n = Integer.parseInt(v);
                if (n < 1) {
                    throw ApiException.badRequest("Query parameter '" + name + "' must be a positive integer");
                }
                return n;
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("Query parameter '" + name + "' must be a positive integer, not '" + v + "'");
            }
        });
    }

    public Optional<UUID> uuid(String name) {
        return string(name).map(v -> Ids.parseUuid(v, name));
    }
}
