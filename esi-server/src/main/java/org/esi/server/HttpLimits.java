package org.esi.server;

import java.time.Duration;

/**
 * What one client may cost the HTTP front: how long it may take to send a request, and how many
 * connections it may hold. Without these, a few hundred connections dribbling bytes hold every
 * request thread and the instance stops answering anyone.
 */
public record HttpLimits(Duration requestReadTimeout, int maxConnectionsPerAddress) {}
