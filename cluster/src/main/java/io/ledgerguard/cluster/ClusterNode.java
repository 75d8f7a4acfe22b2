package io.ledgerguard.cluster;

import java.io.File;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.aeron.archive.Archive;
import io.aeron.archive.ArchiveThreadingMode;
import io.aeron.archive.client.AeronArchive;
import io.aeron.cluster.ClusteredMediaDriver;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.service.ClusteredServiceContainer;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.concurrent.NoOpLock;
import org.agrona.concurrent.SleepingIdleStrategy;

import io.ledgerguard.core.GuardConfig;

/**
 * One node of a guard cluster on one machine's loopback (issue 16): its media driver, archive and consensus module
 * ({@link ClusteredMediaDriver}) and the service container running a {@link GuardClusteredService}, each with its own
 * directories under the node's. Settings for small machines: one shared driver thread, sleeping idle strategies
 * (busy spinning starves two cores), small term buffers, and the election and heartbeat timeouts of Aeron's own test
 * cluster (a leader's death is noticed after a second, a new one elected in about two).
 */
public final class ClusterNode implements AutoCloseable
{
    /** Ports per node from the base: archive control, ingress, consensus, log, catch-up. */
    static final int PORTS_PER_NODE = 10;
    private static final long IDLE_NS = TimeUnit.MICROSECONDS.toNanos(100);

    private final int id;
    private final ClusteredMediaDriver driver;
    private final ClusteredServiceContainer container;
    private final GuardClusteredService service;

    private ClusterNode(final int id, final ClusteredMediaDriver driver, final ClusteredServiceContainer container,
        final GuardClusteredService service)
    {
        this.id = id;
        this.driver = driver;
        this.container = container;
        this.service = service;
    }

    /**
     * @param nodes    the cluster's size.
     * @param portBase the first port of node 0; each node takes {@value #PORTS_PER_NODE} from its own base.
     * @return the members, as the consensus module takes them.
     */
    public static String members(final int nodes, final int portBase)
    {
        final StringBuilder members = new StringBuilder();
        for (int node = 0; node < nodes; node++)
        {
            final int base = portBase + node * PORTS_PER_NODE;
            members.append(node)
                .append(",localhost:").append(base + 2)
                .append(",localhost:").append(base + 3)
                .append(",localhost:").append(base + 4)
                .append(",localhost:").append(base + 5)
                .append(",localhost:").append(base + 1)
                .append('|');
        }
        members.setLength(members.length() - 1);
        return members.toString();
    }

    /**
     * @param nodes    the cluster's size.
     * @param portBase as for {@link #members}.
     * @return the ingress endpoints, as a cluster client takes them.
     */
    public static String ingressEndpoints(final int nodes, final int portBase)
    {
        final StringBuilder endpoints = new StringBuilder();
        for (int node = 0; node < nodes; node++)
        {
            endpoints.append(node).append("=localhost:").append(portBase + node * PORTS_PER_NODE + 2).append(',');
        }
        endpoints.setLength(endpoints.length() - 1);
        return endpoints.toString();
    }

    /**
     * Start a node.
     *
     * @param id       its member id.
     * @param nodes    the cluster's size.
     * @param portBase as for {@link #members}.
     * @param dir      its own directory: kept across restarts (its archive holds the log and snapshots).
     * @param config   the guard's rules, the same on every node.
     * @return the running node.
     */
    public static ClusterNode launch(final int id, final int nodes, final int portBase, final Path dir,
        final GuardConfig config)
    {
        final File base = dir.toFile();
        final String aeronDir = new File(base, "aeron").getAbsolutePath();
        final int archivePort = portBase + id * PORTS_PER_NODE + 1;
        final MediaDriver.Context driverContext = new MediaDriver.Context()
            .aeronDirectoryName(aeronDir)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new SleepingIdleStrategy(IDLE_NS))
            .termBufferSparseFile(true)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true);
        final Archive.Context archiveContext = new Archive.Context()
            .aeronDirectoryName(aeronDir)
            .archiveId(id)
            .archiveDir(new File(base, "archive"))
            .controlChannel("aeron:udp?endpoint=localhost:" + archivePort)
            .localControlChannel("aeron:ipc?term-length=64k")
            .replicationChannel("aeron:udp?endpoint=localhost:0")
            .archiveClientContext(new AeronArchive.Context()
                .controlResponseChannel("aeron:udp?endpoint=localhost:0"))
            .recordingEventsEnabled(false)
            .threadingMode(ArchiveThreadingMode.SHARED)
            .idleStrategySupplier(() -> new SleepingIdleStrategy(IDLE_NS));
        final AeronArchive.Context archiveClient = new AeronArchive.Context()
            .lock(NoOpLock.INSTANCE)
            .controlRequestChannel(archiveContext.localControlChannel())
            .controlRequestStreamId(archiveContext.localControlStreamId())
            .controlResponseChannel(archiveContext.localControlChannel())
            .aeronDirectoryName(aeronDir);
        final ConsensusModule.Context consensusContext = new ConsensusModule.Context()
            .clusterMemberId(id)
            .clusterMembers(members(nodes, portBase))
            .clusterDir(new File(base, "cluster"))
            .ingressChannel("aeron:udp?term-length=128k")
            .logChannel("aeron:udp?term-length=512k")
            .consensusChannel("aeron:udp?term-length=64k")
            .replicationChannel("aeron:udp?endpoint=localhost:0")
            .archiveContext(archiveClient.clone())
            .leaderHeartbeatTimeoutNs(TimeUnit.SECONDS.toNanos(1))
            .leaderHeartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(100))
            .electionTimeoutNs(TimeUnit.MILLISECONDS.toNanos(500))
            .idleStrategySupplier(() -> new SleepingIdleStrategy(IDLE_NS));
        final GuardClusteredService service = new GuardClusteredService(config, base.toPath().resolve("snapshots"));
        final ClusteredServiceContainer.Context serviceContext = new ClusteredServiceContainer.Context()
            .aeronDirectoryName(aeronDir)
            .archiveContext(archiveClient.clone())
            .clusterDir(new File(base, "cluster"))
            .clusteredService(service)
            .idleStrategySupplier(() -> new SleepingIdleStrategy(IDLE_NS));
        ClusteredMediaDriver driver = null;
        try
        {
            driver = ClusteredMediaDriver.launch(driverContext, archiveContext, consensusContext);
            final ClusteredServiceContainer container = ClusteredServiceContainer.launch(serviceContext);
            return new ClusterNode(id, driver, container, service);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(driver);
            throw ex;
        }
    }

    /**
     * @return its member id.
     */
    public int id()
    {
        return id;
    }

    /**
     * @return the guard it runs.
     */
    public GuardClusteredService service()
    {
        return service;
    }

    /**
     * @return whether its service was last told it leads (the consensus module tells it on each change).
     */
    public boolean isLeader()
    {
        return service.role() == io.aeron.cluster.service.Cluster.Role.LEADER;
    }

    /**
     * Ask this node's consensus module for a snapshot of every node: the control toggle an operator's
     * {@code ClusterTool snapshot} sets. Only a leader acts on it; ask the leader (a follower's stays set until it
     * leads).
     *
     * @return false when the toggle is busy with another action.
     */
    public boolean requestSnapshot()
    {
        final org.agrona.concurrent.status.AtomicCounter toggle = io.aeron.cluster.ClusterControl.findControlToggle(
            driver.consensusModule().context().aeron().countersReader(), driver.consensusModule().context()
            .clusterId());
        return toggle != null && io.aeron.cluster.ClusterControl.ToggleState.SNAPSHOT.toggle(toggle);
    }

    /**
     * @return snapshots its consensus module has recorded since it started.
     */
    public long snapshotsRecorded()
    {
        return driver.consensusModule().context().snapshotCounter().get();
    }

    /**
     * Stop the node: the service container, then the consensus module, archive and driver. Its directory stays.
     */
    @Override
    public void close()
    {
        CloseHelper.closeAll(container, driver);
    }
}
