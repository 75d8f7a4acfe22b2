package io.ledgerguard.gateway;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * How the gateway listens and what it allows each connection.
 */
public final class GatewaySettings
{
    /** Loopback by default: other hosts reach the guard only when the operator says so. */
    public InetSocketAddress tcp = new InetSocketAddress("127.0.0.1", 7301);
    /** A Unix domain socket to listen on as well, or {@code null}. */
    public Path unixSocket;
    public int connectionsMax = 256;
    /** Largest frame taken, length prefix excluded; a longer one closes the connection. */
    public int frameBytesMax = 64 * 1024;
    /** Requests a connection may have in flight; beyond it the server stops reading from it. */
    public int inFlightMax = 1024;
    /** Answers queued for a connection that does not read them; when full, the connection is closed. */
    public int outboundBytesMax = 4 * 1024 * 1024;
    public String serverName = "ledger-guard";
}
