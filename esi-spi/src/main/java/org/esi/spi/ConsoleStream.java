package org.esi.spi;

import java.io.InputStream;
import java.io.OutputStream;

/** A live serial console: bytes from the machine, bytes to it. Closing ends the console session on the BMC. */
public interface ConsoleStream extends AutoCloseable {
    InputStream fromMachine();

    OutputStream toMachine();

    @Override
    void close();
}
