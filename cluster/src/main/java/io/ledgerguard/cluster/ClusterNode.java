package io.ledgerguard.cluster;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.aeron.archive.Archive;
import io.aeron.archive.ArchiveMarkFile;
import io.aeron.archive.ArchiveThreadingMode;
import io.aeron.archive.client.AeronArchive;
import io.aeron.cluster.ClusteredMediaDriver;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.service.ClusterMarkFile;
import io.aeron.cluster.service.ClusteredServiceContainer;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.concurrent.NoOpLock;
import org.agrona.concurrent.SleepingIdleStrategy;

import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.pipeline.AlertListener;
import io.ledgerguard.journal.JournalDurability;

/**
 * One node of a guard cluster (issue 16): its media driver, archive and consensus module
 * ({@link ClusteredMediaDriver}) and the service container running a {@link GuardClusteredService}, each with its own
 * directories under the node's. Settings for small machines: one shared driver thread, sleeping idle strategies
 * (busy spinning starves two cores), small term buffers, and the election and heartbeat timeouts of Aeron's own test
 * cluster (a leader's death is noticed after a second, a new one elected in about two).
 */
public final class ClusterNode implements AutoCloseable
{
    /** The file a node process locks in its directory. */
    static final String LOCK_FILE = "node.lock";
    private static final long IDLE_NS = TimeUnit.MICROSECONDS.toNanos(100);
    private static final System.Logger LOG = System.getLogger(ClusterNode.class.getName());

    private final int id;
    private final ClusteredMediaDriver driver;
    private final ClusteredServiceContainer container;
    private final GuardClusteredService service;
    private final CountDownLatch terminated;
    private final FileChannel lock;

    private ClusterNode(final int id, final ClusteredMediaDriver driver, final ClusteredServiceContainer container,
        final GuardClusteredService service, final CountDownLatch terminated, final FileChannel lock)
    {
        this.lock = lock;
        this.id = id;
        this.driver = driver;
        this.container = container;
        this.service = service;
        this.terminated = terminated;
    }

    /**
     * Start a node on loopback without an evidence journal (tests of the replication itself).
     *
     * @param id       its member id.
     * @param nodes    the cluster's size.
     * @param portBase the base port of node 0 ({@link ClusterMembers#loopback}).
     * @param dir      its own directory: kept across restarts (its archive holds the log and snapshots).
     * @param config   the guard's rules, the same on every node.
     * @return the running node.
     */
    public static ClusterNode launch(final int id, final int nodes, final int portBase, final Path dir,
        final GuardConfig config)
    {
        return launch(id, ClusterMembers.loopback(nodes, portBase), dir,
            () -> new GuardClusteredService(config, dir.resolve("snapshots")));
    }

    /**
     * Start a node without an evidence journal from a state already built, the same on every node (a benchmark's
     * funded book): see {@link GuardClusteredService#GuardClusteredService(GuardEngine, long, Path)}.
     *
     * @param id      its member id.
     * @param members every member of the cluster.
     * @param dir     its own directory.
     * @param engine  the state it starts from.
     * @param seq     the sequence of the last command applied to it.
     * @return the running node.
     */
    public static ClusterNode launchFrom(final int id, final ClusterMembers members, final Path dir,
        final GuardEngine engine, final long seq)
    {
        return launch(id, members, dir, () -> new GuardClusteredService(engine, seq, dir.resolve("snapshots")));
    }

    /**
     * Start a node with its evidence journal in {@code dir/journal} (snapshots in {@code dir/journal/snapshots}),
     * the cluster's own files in {@code dir/aeron}, {@code dir/archive} and {@code dir/cluster}.
     *
     * @param id         its member id: its position in {@code members}.
     * @param members    every member of the cluster.
     * @param dir        its own directory: kept across restarts; wiped, the node rejoins from the others' log.
     * @param config     the guard's rules, the same on every node.
     * @param durability its journal's durability.
     * @param alerts     hears the alerts raised while this node leads; must not block.
     * @return the running node.
     */
    public static ClusterNode launch(final int id, final ClusterMembers members, final Path dir,
        final GuardConfig config, final JournalDurability durability, final AlertListener alerts)
    {
        return launch(id, members, dir, config, durability, alerts, GuardClusteredService.CHECK_EVERY_DEFAULT);
    }

    /**
     * As {@link #launch(int, ClusterMembers, Path, GuardConfig, JournalDurability, AlertListener)}, checking the
     * nodes' evidence against the leader's every {@code checkEvery} commands.
     *
     * @param id         its member id.
     * @param members    every member of the cluster.
     * @param dir        its own directory.
     * @param config     the guard's rules.
     * @param durability its journal's durability.
     * @param alerts     hears the alerts raised while this node leads, and its own divergence; must not block.
     * @param checkEvery commands between two evidence checks.
     * @return the running node.
     */
    public static ClusterNode launch(final int id, final ClusterMembers members, final Path dir,
        final GuardConfig config, final JournalDurability durability, final AlertListener alerts,
        final int checkEvery)
    {
        return launch(id, members, dir, () -> new GuardClusteredService(config, dir.resolve("journal"), durability,
            dir.resolve("snapshot-in"), alerts, checkEvery));
    }

    /**
     * The directory's lock first, then the service (which opens the node's journal), then Aeron: a second process on
     * the same directory fails before it writes anything.
     */
    private static ClusterNode launch(final int id, final ClusterMembers members, final Path dir,
        final java.util.function.Supplier<GuardClusteredService> services)
    {
        if (id < 0 || id >= members.size())
        {
            throw new IllegalArgumentException("member id " + id + " is not one of the " + members.size() +
                " members (0.." + (members.size() - 1) + ")");
        }
        final FileChannel lock = lock(dir);
        final GuardClusteredService service;
        try
        {
            service = services.get();
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(lock);
            throw ex;
        }
        try
        {
            return launch(id, members, dir, service, lock);
        }
        catch (final RuntimeException ex)
        {
            service.closeJournal();
            CloseHelper.quietClose(lock);
            throw ex;
        }
    }

    private static ClusterNode launch(final int id, final ClusterMembers members, final Path dir,
        final GuardClusteredService service, final FileChannel lock)
    {
        service.memberId(id);
        service.seedMark(dir.resolve(ClusterSeed.MARK));
        final File base = dir.toFile();
        final String host = members.host(id);
        // Counted down by the consensus module and the service container when the cluster shuts down (cluster stop),
        // or at once when the guard cannot start or go on (its journal and the cluster's snapshot disagree, a journal
        // append failed).
        final CountDownLatch terminated = new CountDownLatch(2);
        service.onFailure(() ->
        {
            terminated.countDown();
            terminated.countDown();
        });
        final IngressAuthenticator authenticator = new IngressAuthenticator(
            () -> service.engine().rulesInForce().rules,
            refusal -> LOG.log(System.Logger.Level.WARNING, "node " + id + ": " + refusal));
        service.sessionsRefused(authenticator::refused);
        final String aeronDir = aeronDir(base);
        final MediaDriver.Context driverContext = driverContext(aeronDir);
        final Archive.Context archiveContext = archiveContext(id, members, base);
        final AeronArchive.Context archiveClient = new AeronArchive.Context()
            .lock(NoOpLock.INSTANCE)
            .controlRequestChannel(archiveContext.localControlChannel())
            .controlRequestStreamId(archiveContext.localControlStreamId())
            .controlResponseChannel(archiveContext.localControlChannel())
            .aeronDirectoryName(aeronDir);
        final ConsensusModule.Context consensusContext = new ConsensusModule.Context()
            .clusterMemberId(id)
            .clusterMembers(members.consensusMembers())
            .clusterDir(new File(base, "cluster"))
            .ingressChannel("aeron:udp?term-length=128k")
            .logChannel("aeron:udp?term-length=512k")
            .consensusChannel("aeron:udp?term-length=64k")
            .replicationChannel("aeron:udp?endpoint=" + host + ":0")
            .archiveContext(archiveClient.clone())
            .leaderHeartbeatTimeoutNs(TimeUnit.SECONDS.toNanos(1))
            .leaderHeartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(100))
            .electionTimeoutNs(TimeUnit.MILLISECONDS.toNanos(500))
            .terminationHook(terminated::countDown)
            // Who may open a session: anyone while the rules name no clients, else each by its key (SPEC §12).
            .authenticatorSupplier(() -> authenticator)
            // Who may copy the state (a seed's backup query): anyone while the rules name no clients, else an operator.
            .authorisationServiceSupplier(authenticator::authorisation)
            .idleStrategySupplier(() -> new SleepingIdleStrategy(IDLE_NS));
        final ClusteredServiceContainer.Context serviceContext = new ClusteredServiceContainer.Context()
            .aeronDirectoryName(aeronDir)
            .archiveContext(archiveClient.clone())
            .clusterDir(new File(base, "cluster"))
            .clusteredService(service)
            .terminationHook(terminated::countDown)
            .idleStrategySupplier(() -> new SleepingIdleStrategy(IDLE_NS));
        ClusteredMediaDriver driver = null;
        try
        {
            setAsideStaleMarkFiles(base);
            driver = ClusteredMediaDriver.launch(driverContext, archiveContext, consensusContext);
            final ClusteredServiceContainer container = ClusteredServiceContainer.launch(serviceContext);
            return new ClusterNode(id, driver, container, service, terminated, lock);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(driver);
            throw ex;
        }
    }

    /** The node's media driver's directory, under its own. */
    static String aeronDir(final File base)
    {
        return new File(base, "aeron").getAbsolutePath();
    }

    /** The node's media driver: one shared thread, sleeping when idle; also the seed's ({@link ClusterSeed}). */
    static MediaDriver.Context driverContext(final String aeronDir)
    {
        return new MediaDriver.Context()
            .aeronDirectoryName(aeronDir)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new SleepingIdleStrategy(IDLE_NS))
            .termBufferSparseFile(true)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true);
    }

    /**
     * The node's archive, in {@code base/archive}, its control on base port + 1: also the seed's, which fills it with
     * the cluster's snapshot and log for the node to start from.
     */
    static Archive.Context archiveContext(final int id, final ClusterMembers members, final File base)
    {
        final String host = members.host(id);
        return new Archive.Context()
            .aeronDirectoryName(aeronDir(base))
            .archiveId(id)
            .archiveDir(new File(base, "archive"))
            .controlChannel("aeron:udp?endpoint=" + host + ":" + (members.basePort(id) + 1))
            .localControlChannel("aeron:ipc?term-length=64k")
            .replicationChannel("aeron:udp?endpoint=" + host + ":0")
            .archiveClientContext(new AeronArchive.Context()
                .controlResponseChannel("aeron:udp?endpoint=" + host + ":0"))
            .recordingEventsEnabled(false)
            .threadingMode(ArchiveThreadingMode.SHARED)
            .idleStrategySupplier(() -> new SleepingIdleStrategy(IDLE_NS));
    }

    /**
     * One node process per directory: a lock the operating system lets go of when the process ends, however it ends.
     */
    static FileChannel lock(final Path dir)
    {
        final Path file = dir.resolve(LOCK_FILE);
        FileChannel channel = null;
        try
        {
            Files.createDirectories(dir);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (channel.tryLock() == null)
            {
                throw new IllegalStateException("another node runs with the directory " + dir + " (it holds " +
                    file + ")");
            }
            return channel;
        }
        catch (final IOException ex)
        {
            CloseHelper.quietClose(channel);
            throw new UncheckedIOException("cannot lock the node directory " + dir + ": " + ex.getMessage(), ex);
        }
        catch (final java.nio.channels.OverlappingFileLockException ex)
        {
            CloseHelper.quietClose(channel);
            throw new IllegalStateException("another node in this process runs with the directory " + dir, ex);
        }
    }

    /**
     * A node killed a moment ago leaves its archive's and consensus module's mark files looking alive for ten seconds,
     * and Aeron refuses to start on them. This process holds the directory's lock, so no process uses them: they are
     * renamed to {@code *.stale} (keeping the error log Aeron wrote in them) and the node starts at once.
     */
    private static void setAsideStaleMarkFiles(final File base)
    {
        final File[] candidates = {
            new File(new File(base, "archive"), ArchiveMarkFile.FILENAME),
            new File(new File(base, "cluster"), ClusterMarkFile.FILENAME),
            new File(new File(base, "cluster"), ClusterMarkFile.markFilenameForService(0)),
        };
        for (final File file : candidates)
        {
            if (file.exists())
            {
                try
                {
                    Files.move(file.toPath(), file.toPath().resolveSibling(file.getName() + ".stale"),
                        StandardCopyOption.REPLACE_EXISTING);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException("cannot set aside the stale mark file " + file, ex);
                }
            }
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
        try
        {
            CloseHelper.closeAll(container, driver);
        }
        finally
        {
            service.closeJournal();
            CloseHelper.quietClose(lock);
        }
    }

    /**
     * @return what the node published when it was last quiet: see {@link GuardClusteredService#status()}.
     */
    public NodeStatus status()
    {
        return service.status();
    }

    /**
     * @return why the guard could not start or go on on this node (its evidence journal and the cluster's snapshot
     *     disagree; a journal append failed); {@code null} while it runs. {@link #awaitTermination} returns at once
     *     when it is set: close the node, so that leadership moves.
     */
    public Throwable failure()
    {
        return service.failure();
    }

    /**
     * Wait for the cluster to shut this node down ({@code cluster stop}: the leader has every node take a snapshot
     * and stop); then {@link #close()} it.
     *
     * @param timeout how long to wait.
     * @return true when it was shut down, false when the time ran out.
     * @throws InterruptedException when interrupted.
     */
    public boolean awaitTermination(final Duration timeout) throws InterruptedException
    {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

}
