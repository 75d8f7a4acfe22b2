package io.ledgerguard.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Reason;
import io.ledgerguard.protocol.GatewayDecision;

/**
 * Several cluster clients, each on its own thread, each sending its own accounts' deposits and transfers one at a
 * time and remembering every decision acknowledged to it (txId to reason). A request that times out is sent again
 * with its txId, as a matching engine would. Paused between requests so that the log can be quiet for a comparison.
 */
final class ClusterLoad implements AutoCloseable
{
    /** txIds of client c start at c times this. */
    static final long TX_IDS_PER_CLIENT = 1_000_000_000L;
    static final long FIRST_ACCOUNT = 2_000;
    static final int BTC = 1;

    /** Acknowledged decisions: txId to reason, as the client heard it (a duplicate answer repeats the first's). */
    final Map<Long, Reason> acknowledged = new ConcurrentHashMap<>();
    final AtomicLong acknowledgements = new AtomicLong();
    final AtomicLong highestSeq = new AtomicLong();
    final AtomicLong resubmitted = new AtomicLong();
    final AtomicLong timeouts = new AtomicLong();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<ClusterGuardClient> clients = new ArrayList<>();
    private final Object lock = new Object();
    private boolean paused;
    private int parked;
    private volatile boolean stopped;

    ClusterLoad(final String aeronDir, final ClusterMembers members, final int clientCount)
    {
        for (int c = 0; c < clientCount; c++)
        {
            final ClusterGuardClient client = ClusterGuardClient.connect(aeronDir, members, Duration.ofSeconds(20));
            clients.add(client);
            final int id = c;
            final Thread thread = new Thread(() -> run(id, client), "cluster-load-" + c);
            thread.setDaemon(true);
            threads.add(thread);
        }
    }

    /** Accounts every client uses: open them once, before {@link #start()}. */
    static List<Long> accounts(final int clientCount)
    {
        final List<Long> accounts = new ArrayList<>();
        for (long account = FIRST_ACCOUNT; account < FIRST_ACCOUNT + 2L * clientCount; account++)
        {
            accounts.add(account);
        }
        return accounts;
    }

    void start()
    {
        threads.forEach(Thread::start);
    }

    private void run(final int id, final ClusterGuardClient client)
    {
        final Command command = new Command();
        final long from = FIRST_ACCOUNT + 2L * id;
        long n = 0;
        long counted = 0;
        try
        {
            while (!stopped)
            {
                if (!waitWhilePaused())
                {
                    return;
                }
                next(command, id, n, from);
                final GatewayDecision decision;
                try
                {
                    decision = client.submit(command);
                }
                catch (final ClusterUnavailableException ex)
                {
                    // Outcome unknown: the same command, the same txId, again.
                    timeouts.incrementAndGet();
                    continue;
                }
                finally
                {
                    resubmitted.addAndGet(client.resubmitted() - counted);
                    counted = client.resubmitted();
                }
                final Reason before = acknowledged.putIfAbsent(command.txId, decision.reason);
                if (before != null && before != decision.reason)
                {
                    throw new AssertionError("txId " + command.txId + " answered " + before + " then " +
                        decision.reason);
                }
                acknowledgements.incrementAndGet();
                highestSeq.accumulateAndGet(decision.seq, Math::max);
                n++;
            }
        }
        catch (final Throwable ex)
        {
            failure.compareAndSet(null, ex);
        }
    }

    /** Even steps deposit 1,000 sat to the client's first account; odd ones move 500 to its second. */
    private static void next(final Command command, final int id, final long n, final long from)
    {
        command.reset();
        command.txId = id * TX_IDS_PER_CLIENT + n + 1;
        command.assetId = BTC;
        if (n % 2 == 0)
        {
            command.type = CommandType.DEPOSIT;
            command.accountId = from;
            command.amount = 1_000;
            command.chainRef("btc:1");
        }
        else
        {
            command.type = CommandType.TRANSFER;
            command.debitAccountId = from;
            command.creditAccountId = from + 1;
            command.amount = 500;
        }
    }

    private boolean waitWhilePaused() throws InterruptedException
    {
        synchronized (lock)
        {
            if (paused)
            {
                parked++;
                lock.notifyAll();
                while (paused && !stopped)
                {
                    lock.wait();
                }
                parked--;
            }
        }
        return !stopped;
    }

    /** Every client finishes its request in hand and waits: the log is quiet once this returns. */
    void pause() throws InterruptedException
    {
        synchronized (lock)
        {
            paused = true;
            while (parked < threads.size() && failure.get() == null)
            {
                lock.wait(100);
                if (threads.stream().noneMatch(Thread::isAlive))
                {
                    break;
                }
            }
        }
        throwIfFailed();
    }

    void resume()
    {
        synchronized (lock)
        {
            paused = false;
            lock.notifyAll();
        }
    }

    /** Wait until the clients had this many more acknowledgements. */
    void awaitProgress(final long more) throws InterruptedException
    {
        final long target = acknowledgements.get() + more;
        NodeProcesses.await(more + " more acknowledged decisions (" + target + ")", () ->
        {
            if (failure.get() != null)
            {
                return true;
            }
            return acknowledgements.get() >= target;
        });
        throwIfFailed();
    }

    void throwIfFailed()
    {
        final Throwable thrown = failure.get();
        if (thrown != null)
        {
            throw new AssertionError("a load client failed", thrown);
        }
    }

    @Override
    public void close()
    {
        stopped = true;
        resume();
        try
        {
            for (final Thread thread : threads)
            {
                thread.join(NodeProcesses.PATIENCE.toMillis());
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        clients.forEach(ClusterGuardClient::close);
    }
}
