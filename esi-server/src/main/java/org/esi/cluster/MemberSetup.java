package org.esi.cluster;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * What a pool's members go through past the plain deploy, for pools that ask for it: e.g. an OpenShift pool's
 * members boot a discovery ISO and are installed by the Assisted Installer ({@code org.esi.cluster.openshift}).
 * The reconciler asks it, under the pool's lock, what each member boots and when a deployed member is ready; the
 * pool asks it before ending a member's lease.
 */
public interface MemberSetup {
    MemberSetup NONE = new MemberSetup() {
        @Override
        public Round begin(Handle h, Pool p, Instant now) {
            return null;
        }

        @Override
        public boolean beforeRelease(UUID lease) {
            return true;
        }
    };

    /** This round's part in the pool, under its lock; null when the pool is deployed plainly. */
    Round begin(Handle h, Pool p, Instant now);

    /** Called before the member's lease is ended: true once the lease may end, false to be asked again later. */
    boolean beforeRelease(UUID lease);

    interface Round {
        /** What the member boots now; null while it cannot say yet (the member waits, claimed). */
        Deployment deployment(PoolMember m);

        /** Where a member whose node is deployed ({@code active}) is now. */
        Progress progress(PoolMember m);

        /** After every member's step, with the members as they now are. */
        void end(List<PoolMember> live);

        /** A deleted pool's last member is gone and the pool goes now, in this transaction. */
        default void poolGone() {
        }
    }

    /** {@code READY}, {@code DEPLOYING} (with what it waits for) or {@code FAILED} (with why). */
    record Progress(MemberStatus status, String reason) {}
}
