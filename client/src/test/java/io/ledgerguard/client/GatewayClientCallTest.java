package io.ledgerguard.client;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.ledgerguard.protocol.GatewayDecision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A synchronous caller's wait ({@code GatewayClient.Call}) counts every answer to its frame, even two given at once on
 * two threads: the reader thread answering one request while the connection, lost on another thread, answers the next.
 */
class GatewayClientCallTest
{
    @Test
    void shouldCountAnAnswerGivenWhileAnotherIsBeingWrittenIntoTheSameCall() throws Exception
    {
        final GatewayClient.Call call = new GatewayClient.Call();
        call.begin(null, List.of(GatewayClientTest.transfer(1), GatewayClientTest.transfer(2)), null,
            new GatewayDecision[2]);
        // The reader thread is writing the first request's answer into the call.
        assertTrue(call.claim());
        final Thread lost = new Thread(() -> call.onError(GatewayClient.CONNECTION_LOST, "connection lost"), "lost");
        lost.start();
        // Before, the second answer found the call claimed, took it for a caller that stopped waiting, and was dropped:
        // the caller then waited a minute for an answer that had come.
        lost.join(200);
        assertTrue(lost.isAlive(), "the second answer waits while the first is written");
        assertFalse(call.done());
        call.answered();
        lost.join(10_000);
        assertFalse(lost.isAlive());
        assertTrue(call.done(), "both answers counted");
        assertEquals("connection lost", call.error());
        assertFalse(call.abandon(), "every answer came: the caller has them");
    }
}
