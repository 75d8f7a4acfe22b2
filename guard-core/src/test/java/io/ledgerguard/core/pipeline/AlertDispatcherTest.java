package io.ledgerguard.core.pipeline;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Alert;
import io.ledgerguard.core.AlertType;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.PipelineStreams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The alert dispatcher between the release thread and the sinks: order, failing and slow sinks, drops.
 */
class AlertDispatcherTest
{
    @Test
    void shouldDeliverEveryAlertInOrderToEverySinkAndSurviveOneThatThrows()
    {
        final List<Long> first = Collections.synchronizedList(new ArrayList<>());
        final List<Long> second = Collections.synchronizedList(new ArrayList<>());
        final AlertListener failing = alert ->
        {
            throw new IllegalStateException("sink down");
        };
        final AlertDispatcher dispatcher = new AlertDispatcher(1024,
            List.of(alert -> first.add(alert.seq), failing, alert -> second.add(alert.seq)));
        final Alert alert = new Alert();
        for (long seq = 1; seq <= 500; seq++)
        {
            alert.dropped(seq, seq, 0, 0);
            dispatcher.onAlert(alert);
        }
        dispatcher.close();

        assertEquals(500, first.size());
        assertEquals(first, second);
        for (int i = 0; i < 500; i++)
        {
            assertEquals(i + 1, first.get(i));
        }
        assertEquals(500, dispatcher.sinkFailures());
        assertEquals(0, dispatcher.dropped());
    }

    @Test
    void shouldDropAndReportWhenASlowSinkFallsBehindWithoutSlowingTheProducer() throws Exception
    {
        final CountDownLatch unblock = new CountDownLatch(1);
        final List<Alert> received = Collections.synchronizedList(new ArrayList<>());
        final AlertListener slow = alert ->
        {
            try
            {
                unblock.await(30, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            final Alert copy = new Alert();
            copy.copyFrom(alert);
            received.add(copy);
        };
        final AlertDispatcher dispatcher = new AlertDispatcher(8, List.of(slow));
        final Alert alert = new Alert();
        for (long seq = 1; seq <= 100; seq++)
        {
            alert.dropped(seq, seq, 0, 0);
            // As a cluster node's alerts are: its report of the drops names the node too.
            alert.raisedBy(2, 5);
            dispatcher.onAlert(alert);
        }
        // The producer never waited: 100 offers against a ring of 8 held by a stuck sink.
        assertTrue(dispatcher.dropped() >= 100 - 8 - 1, "dropped=" + dispatcher.dropped());
        unblock.countDown();
        dispatcher.close();

        // The offered alerts carry zero counts; the dispatcher's reports carry the drops (one or more reports, as the
        // drops are noticed between batches).
        long reported = 0;
        long offered = 0;
        long lastTotal = 0;
        for (final Alert delivered : received)
        {
            assertEquals(2, delivered.node, "every alert names the node, the dispatcher's report too");
            assertEquals(5, delivered.term);
            if (delivered.type == AlertType.ALERTS_DROPPED && delivered.figure(1) > 0)
            {
                reported += delivered.figure(0);
                lastTotal = delivered.figure(1);
            }
            else
            {
                offered++;
            }
        }
        assertEquals(dispatcher.dropped(), reported, "every drop reported");
        assertEquals(dispatcher.dropped(), lastTotal);
        assertEquals(100 - dispatcher.dropped(), offered, "every alert not dropped was delivered");
    }

    @Test
    void shouldCarryThePipelinesAlertsToItsSinks()
    {
        final List<AlertType> types = Collections.synchronizedList(new ArrayList<>());
        final AlertDispatcher dispatcher = new AlertDispatcher(64, List.of(alert -> types.add(alert.type)));
        try (LedgerGuard guard = new LedgerGuard(new GuardEngine(PipelineStreams.config()),
            new PipelineContext().journal(new InMemoryJournal(1 << 20)).alertListener(dispatcher)))
        {
            final Command command = new Command();
            command.type = CommandType.HALT;
            command.txId = 1;
            final Decision halted = guard.submit(command);
            assertEquals(1, halted.alertCount, halted::toString);
            command.reset();
            command.type = CommandType.OPEN_ACCOUNT;
            command.txId = 2;
            command.accountId = 7;
            command.accountKind = AccountKind.CUSTOMER;
            guard.submit(command);
        }
        dispatcher.close();
        assertEquals(List.of(AlertType.KILL_SWITCH_ENGAGED), types);
    }
}
