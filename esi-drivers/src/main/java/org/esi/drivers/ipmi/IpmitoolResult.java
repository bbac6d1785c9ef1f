package org.esi.drivers.ipmi;

import java.time.Duration;

/** What one ipmitool run printed. */
record IpmitoolResult(int exitCode, String stdout, String stderr, Duration elapsed) {}
