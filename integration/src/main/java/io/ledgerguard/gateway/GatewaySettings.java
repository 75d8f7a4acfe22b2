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
    /** A Unix domain socket to listen on as well, or {@code null}. Created with mode 0660: owner and group only. */
    public Path unixSocket;
    /** The group the Unix domain socket is given, so the exchange's services in it may connect; {@code null} keeps the
     *  process's. */
    public String unixSocketGroup;
    /**
     * The clients that may connect, each proven by its Ed25519 key, and their roles (SPEC §12). With none, the gateway
     * is open: any connection that says Hello may send any command.
     */
    public io.ledgerguard.config.ClientSettings clients = io.ledgerguard.config.ClientSettings.none();
    /**
     * The rules in force (SPEC §13), when the clients are theirs: the gateway then follows every rule change that adds
     * a client, sets a role or revokes a client, and {@link #clients} is not read. {@code null}: the fixed
     * {@link #clients}.
     */
    public java.util.function.Supplier<io.ledgerguard.core.GuardConfig> rules;
    /**
     * Connections that finished their handshake (said Hello, and proved their key when clients are named); those
     * still in their handshake do not count (issue 14). Each client also has a limit of its own.
     */
    public int connectionsMax = 256;
    /**
     * Connections still in their handshake. When it is reached, the oldest of them is closed to make room for the new
     * one, so connections that never say Hello can never lock a client out.
     */
    public int handshakingMax = 1024;
    /** How long a connection may take to finish its handshake (Hello, and Authenticate) before it is closed. */
    public long handshakeTimeoutMs = 5_000;
    /**
     * A failed authentication is answered only after this many milliseconds times the failures in the current window
     * (at most {@link #authFailureDelayMaxMs}), so a client that tries key after key on one connection at a time is
     * slowed the more it fails. Many connections at once are bounded by the handshake slots and by the one thread that
     * verifies signatures.
     */
    public long authFailureDelayMs = 100;
    /** The longest a failed authentication's answer is held back. */
    public long authFailureDelayMaxMs = 5_000;
    /** The window failed authentications are counted in, for the delay and the alert. */
    public long authFailureWindowMs = 60_000;
    /** Failed authentications in one window that raise an {@code AUTHENTICATION_FAILURES} alert (once a window). */
    public int authFailuresAlertThreshold = 10;
    /** Largest frame taken, length prefix excluded; a longer one closes the connection. */
    public int frameBytesMax = 64 * 1024;
    /** Requests a connection may have in flight; beyond it the server stops reading from it. */
    public int inFlightMax = 1024;
    /**
     * Answers queued for a connection, a power of two. Above half of it the server stops reading the connection's
     * requests until it reads its answers; if it still does not, it is closed after {@link #stallTimeoutMs}.
     */
    public int outboundBytesMax = 1024 * 1024;
    /** How long a connection may leave answers unread before it is closed. */
    public long stallTimeoutMs = 30_000;
    public String serverName = "ledger-guard";
}
