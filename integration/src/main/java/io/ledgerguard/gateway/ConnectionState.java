package io.ledgerguard.gateway;

/**
 * The life of one gateway connection, a small state machine driven by {@link GatewayServer}'s I/O thread, the only
 * thread that reads or changes it (as Aeron's {@code ClusterSession.State} is driven by the consensus module's agent).
 * <pre>
 *                      Hello accepted
 *   AWAITING_HELLO ------------------------> OPEN
 *         |                                   |
 *         | Hello refused, a frame length     | a frame length that cannot be
 *         | that cannot be resynchronised,    | resynchronised, or the client
 *         | or the client closed its side     | closed its side
 *         v                                   v
 *   HANDSHAKE_FAILED ----------------------> DRAINING
 *         a later Hello, already in the buffer, accepted
 *
 *   HANDSHAKE_FAILED, DRAINING ---- every answer flushed ----> CLOSED
 *   any state ---- I/O error, a failure, a stall, a full answer queue, the server closing ----> CLOSED
 * </pre>
 * The socket is read only in {@link #AWAITING_HELLO} and {@link #OPEN}. What a client sent before the server stopped
 * reading is still taken and answered, in order: that is why a connection drains rather than closes, and why a Hello
 * pipelined behind a refused one is still read as a Hello.
 * <p>
 * What is not the connection's life stays out of this enum: how far the frames in its buffer are taken (a frame
 * waiting for room, a frame checked whole) and the signals the pipeline's release thread sends it (a flush wanted,
 * an answer queue that overflowed).
 */
enum ConnectionState
{
    /**
     * Accepted: the first frame must be a {@code Hello}; one that does not come within the stall timeout closes the
     * connection.
     */
    AWAITING_HELLO,

    /**
     * Welcomed: every frame is one or more requests, each taken whole or not at all.
     */
    OPEN,

    /**
     * No handshake was completed and none will be read from the socket: the {@code Hello} was refused, a frame
     * length could not be resynchronised, or the client closed its side first. The error frames are flushed, then the
     * connection closes.
     */
    HANDSHAKE_FAILED,

    /**
     * Welcomed, and nothing more is read from the socket: the client closed its side, or a frame length could not be
     * resynchronised. The requests already in the buffer are still taken, and the connection closes once every answer
     * is flushed.
     */
    DRAINING,

    /**
     * Closed: its key is cancelled, its socket closed, and it is no longer among the server's connections. Terminal.
     */
    CLOSED;

    /**
     * @return true once a {@code Hello} has been accepted and until the connection closes.
     */
    boolean isWelcomed()
    {
        return this == OPEN || this == DRAINING;
    }

    /**
     * @return true while the socket is read for more frames.
     */
    boolean readsSocket()
    {
        return this == AWAITING_HELLO || this == OPEN;
    }

    /**
     * @return true when the connection closes as soon as it has nothing left to answer.
     */
    boolean closesWhenFlushed()
    {
        return this == HANDSHAKE_FAILED || this == DRAINING;
    }

    /**
     * @return the state after a {@code Hello} is accepted.
     */
    ConnectionState onWelcome()
    {
        assert !isWelcomed() && this != CLOSED : "a Hello is read only before the handshake: state=" + this;
        return this == HANDSHAKE_FAILED ? DRAINING : OPEN;
    }

    /**
     * @return the state after the server stops reading the socket: a refusal, a frame length that cannot be
     * resynchronised, or the end of the client's input. Stopping again changes nothing.
     */
    ConnectionState onReadingStopped()
    {
        switch (this)
        {
            case AWAITING_HELLO:
                return HANDSHAKE_FAILED;
            case OPEN:
                return DRAINING;
            default:
                return this;
        }
    }
}
