package io.ledgerguard.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.ledgerguard.cluster.ClusterGuardPort;
import io.ledgerguard.cluster.ClusterMembers;
import io.ledgerguard.cluster.ClusterNode;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.RulesInForce;
import io.ledgerguard.core.pipeline.DecisionListener;

/**
 * The guard as a three-node Aeron Cluster on this machine's loopback, in this process (issue 16): each request goes
 * from the client to the leader's ingress, into the replicated log, is committed once a follower has it, applied by
 * the service on every node and answered on the leader's egress. The port the sidecar's gateway uses with
 * {@code serve --cluster} is the client here, so this row is the cluster's cost beside {@code sidecar}'s, minus the
 * TCP hop from the application to the gateway. Every node starts from the same funded book, as if from one snapshot;
 * shared-threading drivers and 100 µs sleeping idle strategies, as for two cores.
 */
final class ClusterTarget implements LoadTarget
{
    private static final int NODES = 3;
    private static final int PORT_BASE = 29_400;
    private static final int PORT_CAPACITY = 8_192;
    /** Cluster time is today; the book's attestations are dated by the workload's clock: never stale here. */
    private static final long ATTESTATION_AGE_MS_MAX = TimeUnit.DAYS.toMillis(3_650);

    private final long seed;
    private final int inFlight;
    private final Object sequencing = new Object();
    private final AtomicLong errors = new AtomicLong();
    private final List<ClusterNode> nodes = new ArrayList<>();
    private ExchangeWorkload workload;
    private GuardEngine observer;
    private ClusterGuardPort port;
    private Path dir;
    private Completion[] completions;
    private DecisionListener[] listeners;

    ClusterTarget(final long seed, final int inFlight)
    {
        this.seed = seed;
        this.inFlight = inFlight;
    }

    @Override
    public String name()
    {
        return LoadTarget.name("cluster", inFlight);
    }

    @Override
    public int inFlight()
    {
        return inFlight;
    }

    @Override
    public String description()
    {
        return "three guard nodes (Aeron Cluster) on loopback in this process: client -> leader's ingress -> " +
            "replicated log, committed with a follower -> applied on every node -> leader's egress answer; shared " +
            "drivers, 100 us sleeping idle strategies" +
            (inFlight == 1 ? "" : "; asynchronous, up to " + inFlight + " in flight per producer");
    }

    @Override
    public int producersMax()
    {
        return 64;
    }

    @Override
    public void start(final int producers, final long txIdsMax)
    {
        final GuardConfig config = LoadHarness.config(txIdsMax);
        for (final GuardConfig.AssetConfig asset : config.assets())
        {
            asset.attestationAgeMsMax = ATTESTATION_AGE_MS_MAX;
        }
        workload = new ExchangeWorkload(seed, LoadHarness.WORKLOAD_RING_BITS);
        final ClusterMembers members = ClusterMembers.loopback(NODES, PORT_BASE);
        try
        {
            dir = Files.createTempDirectory("ledger-guard-bench-cluster");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        for (int id = 0; id < NODES; id++)
        {
            final GuardEngine engine = new GuardEngine(config);
            workload.fund(engine);
            if (observer == null)
            {
                observer = engine;
            }
            nodes.add(ClusterNode.launchFrom(id, members, dir.resolve("node-" + id), engine, workload.seq()));
        }
        port = ClusterGuardPort.withOwnDriver(dir.resolve("client"), members, new RulesInForce(config, 0, 0, 0), null,
            PORT_CAPACITY, Duration.ofSeconds(10));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!port.available())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("the bench's cluster had no leader in 60 s");
            }
            Thread.onSpinWait();
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        completions = new Completion[producers];
        listeners = new DecisionListener[producers];
    }

    @Override
    public void bind(final int producer, final Thread thread)
    {
        completions[producer] = new Completion(thread);
        listeners[producer] = completions[producer];
    }

    @Override
    public boolean next(final int producer)
    {
        final Completion completion = completions[producer];
        completion.arm();
        submitOrRefuse(listeners[producer]);
        return completion.await();
    }

    @Override
    public void answersTo(final int producer, final Answers to)
    {
        listeners[producer] = (command, decision) -> to.answered(decision.accepted());
    }

    @Override
    public boolean submit(final int producer)
    {
        submitOrRefuse(listeners[producer]);
        return true;
    }

    /** One producer at a time (the port takes one): the workload's commands go out in the order it made them. */
    private void submitOrRefuse(final DecisionListener listener)
    {
        final long taken;
        synchronized (sequencing)
        {
            final Command command = workload.next(observer);
            taken = port.submitAsync(command, listener);
        }
        if (taken < 0)
        {
            errors.incrementAndGet();
            final Decision refused = new Decision();
            refused.reason = Reason.fromCode((int)-taken);
            listener.onDecision(null, refused);
        }
    }

    @Override
    public String problem()
    {
        final long count = errors.getAndSet(0);
        return count == 0 ? null : count + " requests refused by the cluster port (no leader, or full)";
    }

    @Override
    public void close()
    {
        if (port != null)
        {
            port.close();
        }
        nodes.forEach(ClusterNode::close);
        nodes.clear();
        if (dir != null)
        {
            try (Stream<Path> files = Files.walk(dir))
            {
                for (final Path file : files.sorted(Comparator.reverseOrder()).toList())
                {
                    Files.deleteIfExists(file);
                }
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot delete the bench's cluster directory " + dir, ex);
            }
        }
        port = null;
        observer = null;
        workload = null;
        dir = null;
    }
}
