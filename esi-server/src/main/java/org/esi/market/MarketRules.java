package org.esi.market;

import java.util.LinkedHashMap;
import java.util.Map;

/** Default rules of the market API: the admin grants and sees every account and bid; a project sees and spends its own. */
public final class MarketRules {
    private MarketRules() {}

    public static Map<String, String> defaults() {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("esi:market:account:list", "rule:admin_api or role:owner or role:lessee or role:member");
        r.put("esi:market:account:get", "rule:admin_api or project_id:%(account.project_id)s");
        r.put("esi:market:grant:create", "rule:admin_api");
        r.put("esi:market:transfer:create", "rule:admin_api or role:owner or role:lessee");
        r.put("esi:market:usage:get", "rule:admin_api or role:owner or role:lessee or role:member");
        r.put("esi:market:price:list", "rule:admin_api or role:owner or role:lessee or role:member");
        // Bids: creating one commits the project to leases, so it needs the role a claim does (a lessee); the admin
        // sees every bid, a project its own.
        r.put("esi:market:bid:create", "rule:admin_api or role:lessee");
        r.put("esi:market:bid:list", "rule:admin_api or role:owner or role:lessee or role:member");
        r.put("esi:market:bid:list_all", "rule:admin_api");
        r.put("esi:market:bid:get", "rule:admin_api or project_id:%(bid.project_id)s");
        r.put("esi:market:bid:delete", "rule:admin_api or project_id:%(bid.project_id)s");
        return r;
    }
}
