package io.ledgerguard.gateway;

import java.util.EnumSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.ledgerguard.gateway.ConnectionState.AUTHENTICATION_FAILED;
import static io.ledgerguard.gateway.ConnectionState.AWAITING_AUTHENTICATE;
import static io.ledgerguard.gateway.ConnectionState.AWAITING_HELLO;
import static io.ledgerguard.gateway.ConnectionState.CLOSED;
import static io.ledgerguard.gateway.ConnectionState.DRAINING;
import static io.ledgerguard.gateway.ConnectionState.HANDSHAKE_FAILED;
import static io.ledgerguard.gateway.ConnectionState.OPEN;
import static io.ledgerguard.gateway.ConnectionState.VERIFYING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Proves that a gateway connection's states move as the diagram of {@link ConnectionState} draws them, and that each
 * state reads the socket, counts as established and closes when flushed as the diagram says.
 */
class ConnectionStateTest
{
    @Test
    void shouldOpenOnAHelloAndDrainWhenReadingStops()
    {
        assertEquals(OPEN, AWAITING_HELLO.onWelcome(false));
        assertEquals(DRAINING, OPEN.onReadingStopped());
        assertEquals(DRAINING, DRAINING.onReadingStopped());
    }

    @Test
    void shouldOpenOnlyOnceTheChallengeIsAnswered()
    {
        assertEquals(AWAITING_AUTHENTICATE, AWAITING_HELLO.onWelcome(true));
        assertEquals(VERIFYING, AWAITING_AUTHENTICATE.onAuthenticate());
        assertEquals(OPEN, VERIFYING.onAuthenticated());
        assertEquals(AUTHENTICATION_FAILED, VERIFYING.onAuthenticationFailed());
        // Not an Authenticate at all: failed without a verification.
        assertEquals(AUTHENTICATION_FAILED, AWAITING_AUTHENTICATE.onAuthenticationFailed());
        // Refused while its signature is verified (a frame length that cannot be resynchronised): the result is moot.
        assertEquals(HANDSHAKE_FAILED, VERIFYING.onReadingStopped());
        assertEquals(HANDSHAKE_FAILED, AWAITING_AUTHENTICATE.onReadingStopped());
        // A failed attempt waits for its delay whatever the client does meanwhile.
        assertEquals(AUTHENTICATION_FAILED, AUTHENTICATION_FAILED.onReadingStopped());
    }

    @Test
    void shouldFailTheHandshakeWhenReadingStopsBeforeAHelloAndStillTakeALaterHello()
    {
        assertEquals(HANDSHAKE_FAILED, AWAITING_HELLO.onReadingStopped());
        assertEquals(HANDSHAKE_FAILED, HANDSHAKE_FAILED.onReadingStopped());
        // A Hello pipelined behind a refused one is still read as a Hello: the connection is then welcomed, draining.
        assertEquals(DRAINING, HANDSHAKE_FAILED.onWelcome(false));
    }

    @Test
    void shouldStayClosed()
    {
        assertEquals(CLOSED, CLOSED.onReadingStopped());
    }

    @ParameterizedTest
    @EnumSource(value = ConnectionState.class,
        names = {"OPEN", "DRAINING", "CLOSED", "AWAITING_AUTHENTICATE", "VERIFYING", "AUTHENTICATION_FAILED"})
    void shouldTakeAHelloOnlyBeforeTheHandshake(final ConnectionState state)
    {
        assertThrows(AssertionError.class, () -> state.onWelcome(false));
    }

    @ParameterizedTest
    @EnumSource(ConnectionState.class)
    void shouldAuthenticateOnlyWhenChallenged(final ConnectionState state)
    {
        if (state != AWAITING_AUTHENTICATE)
        {
            assertThrows(AssertionError.class, state::onAuthenticate);
        }
        if (state != VERIFYING)
        {
            assertThrows(AssertionError.class, state::onAuthenticated);
        }
        if (state != AWAITING_AUTHENTICATE && state != VERIFYING)
        {
            assertThrows(AssertionError.class, state::onAuthenticationFailed);
        }
    }

    @ParameterizedTest
    @EnumSource(ConnectionState.class)
    void shouldReadCountAndCloseAsTheDiagramSays(final ConnectionState state)
    {
        final boolean established = EnumSet.of(OPEN, DRAINING).contains(state);
        final boolean reads = EnumSet.of(AWAITING_HELLO, AWAITING_AUTHENTICATE, OPEN).contains(state);
        final boolean closesWhenFlushed = EnumSet.of(HANDSHAKE_FAILED, DRAINING).contains(state);
        assertEquals(established, state.isEstablished(), "isEstablished");
        assertEquals(reads, state.readsSocket(), "readsSocket");
        assertEquals(closesWhenFlushed, state.closesWhenFlushed(), "closesWhenFlushed");
    }
}
