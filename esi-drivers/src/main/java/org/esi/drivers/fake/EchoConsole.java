package org.esi.drivers.fake;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A console whose machine echoes every byte. Built on a small monitor-guarded buffer rather than
 * PipedInputStream, which fails once the writing thread ends, as a test's writer often does.
 */
final class EchoConsole implements org.esi.spi.ConsoleStream {
    private final byte[] buffer = new byte[64 * 1024];
    private int head;
    private int size;
    private boolean closed;

    private final InputStream in = new InputStream() {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            synchronized (EchoConsole.this) {
                while (size == 0 && !closed) {
                    try {
                        EchoConsole.this.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException();
                    }
                }
                if (size == 0) {
                    return -1;
                }
                int n = Math.min(len, size);
                for (int i = 0; i < n; i++) {
                    b[off + i] = buffer[(head + i) % buffer.length];
                }
                head = (head + n) % buffer.length;
                size -= n;
                EchoConsole.this.notifyAll();
                return n;
            }
        }

        @Override
        public int available() {
            synchronized (EchoConsole.this) {
                return size;
            }
        }
    };

    private final OutputStream out = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            synchronized (EchoConsole.this) {
                for (int i = 0; i < len; i++) {
                    while (size == buffer.length && !closed) {
                        try {
                            EchoConsole.this.wait();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new java.io.InterruptedIOException();
                        }
                    }
                    if (closed) {
                        throw new IOException("console closed");
                    }
                    buffer[(head + size) % buffer.length] = b[off + i];
                    size++;
                }
                EchoConsole.this.notifyAll();
            }
        }
    };

    @Override
    public InputStream fromMachine() {
        return in;
    }

    @Override
    public OutputStream toMachine() {
        return out;
    }

    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }
}
