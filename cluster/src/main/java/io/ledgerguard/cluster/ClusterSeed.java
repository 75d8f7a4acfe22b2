package io.ledgerguard.cluster;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.aeron.archive.Archive;
import io.aeron.archive.client.AeronArchive;
import io.aeron.cluster.ClusterBackup;
import io.aeron.cluster.ClusterBackupEventsListener;
import io.aeron.cluster.ClusterMember;
import io.aeron.cluster.RecordingLog;
import io.aeron.driver.MediaDriver;
import io.aeron.security.CredentialsSupplier;
import io.aeron.security.NullCredentialsSupplier;
import org.agrona.CloseHelper;
import org.agrona.concurrent.SleepingIdleStrategy;

/**
 * Seeds an empty node directory from a running cluster, so that a node with a wiped disk rejoins from the cluster's
 * latest snapshot plus the log after it instead of replaying the log from the start (issue 16). Aeron's own
 * {@link ClusterBackup} does the copying: it asks the members for their snapshots and log, retrieves the latest
 * snapshot from a member's archive into this node's, records the log from that snapshot's position on, and writes the
 * recording log that says so. The node then starts on the directory as usual: its consensus module and service load
 * the snapshot, replay the log copied after it, and the node joins as a follower and catches up the rest.
 * <p>
 * It runs with the node's own ports (its archive's control, consensus and catch-up endpoints), so the node must not
 * run meanwhile: the directory's lock says so. Where the cluster's rules name clients, the backup's query is admitted
 * like a client's session, by a named client's key, and only for a client whose role may send {@code CONFIGURE}
 * ({@link IngressAuthenticator#authorisation()}).
 */
public final class ClusterSeed
{
    /**
     * Left in a node directory the seed filled: the node's empty journal may begin at the snapshot (an anchor), once;
     * the node removes it then.
     */
    public static final String MARK = "seeded-from-snapshot";
    /** The first line of the mark: the log position of the snapshot the seed copied. */
    private static final String MARK_POSITION = "snapshotLogPosition=";
    private static final long IDLE_NS = TimeUnit.MICROSECONDS.toNanos(100);

    private ClusterSeed()
    {
    }

    /**
     * What the seed copied.
     *
     * @param snapshotLogPosition the log position of the snapshot copied; -1 when the cluster had none (then the whole
     *                            log was copied, as a node with an empty directory would replay it anyway).
     * @param logPosition         the log position the copy reached before it stopped; the node catches up the rest.
     * @param snapshots           the snapshots copied (the consensus module's and the guard's).
     */
    public record Seeded(long snapshotLogPosition, long logPosition, int snapshots)
    {
    }

    /**
     * Copy the cluster's latest snapshot and the log after it into {@code dir}, which holds no node yet.
     *
     * @param id          the member id of the node the directory is for.
     * @param members     every member of the cluster.
     * @param dir         the node's directory: absent or empty.
     * @param credentials what the backup's query presents (a named client's {@link ClusterCredentials}, or
     *                    {@code null} while the rules name no clients).
     * @param patience    how long to wait for the copy.
     * @return what was copied.
     * @throws IllegalStateException when the directory holds a node, the cluster refused the copy, or the copy did
     *                               not finish in time (the directory is then left for the operator to move aside).
     */
    public static Seeded seed(final int id, final ClusterMembers members, final Path dir,
        final CredentialsSupplier credentials, final Duration patience)
    {
        if (id < 0 || id >= members.size())
        {
            throw new IllegalArgumentException("member id " + id + " is not one of the " + members.size() +
                " members (0.." + (members.size() - 1) + ")");
        }
        if (members.size() < 2)
        {
            throw new IllegalArgumentException("a node is seeded from the others: a cluster of one has none");
        }
        final FileChannel lock = ClusterNode.lock(dir);
        try
        {
            refuseUnlessEmpty(dir);
            final Seeded seeded = copy(id, members, dir, credentials == null ? new NullCredentialsSupplier() :
                credentials, patience);
            if (seeded.snapshotLogPosition() >= 0)
            {
                // Read by the node's first start: its empty journal may begin at this snapshot, and at no other.
                Files.writeString(dir.resolve(MARK), MARK_POSITION + seeded.snapshotLogPosition() + "\nseeded by " +
                    "cluster seed from " + members + ": " + seeded + "\n");
            }
            return seeded;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot mark the seeded node directory " + dir, ex);
        }
        finally
        {
            CloseHelper.quietClose(lock);
        }
    }

    private static Seeded copy(final int id, final ClusterMembers members, final Path dir,
        final CredentialsSupplier credentials, final Duration patience)
    {
        final File base = dir.toFile();
        final String host = members.host(id);
        final int port = members.basePort(id);
        final String aeronDir = ClusterNode.aeronDir(base);
        final Progress progress = new Progress();
        // The node's own driver and archive: what the seed records there is what the node starts from.
        final MediaDriver.Context driverContext = ClusterNode.driverContext(aeronDir);
        final Archive.Context archiveContext = ClusterNode.archiveContext(id, members, base);
        final ClusterBackup.Context backupContext = new ClusterBackup.Context()
            .aeronDirectoryName(aeronDir)
            .clusterDir(new File(base, "cluster"))
            .consensusChannel("aeron:udp?term-length=64k|endpoint=" + host + ":" + (port + 3))
            .clusterConsensusEndpoints(othersConsensusEndpoints(id, members))
            .catchupEndpoint(host + ":" + (port + 5))
            .archiveContext(new AeronArchive.Context()
                .aeronDirectoryName(aeronDir)
                .controlRequestChannel(archiveContext.localControlChannel())
                .controlRequestStreamId(archiveContext.localControlStreamId())
                .controlResponseChannel(archiveContext.localControlChannel()))
            // Its endpoint is replaced by the archive of the member that supplies the log.
            .clusterArchiveContext(new AeronArchive.Context()
                .aeronDirectoryName(aeronDir)
                .controlRequestChannel("aeron:udp?endpoint=" + host + ":" + (port + 1))
                .controlResponseChannel("aeron:udp?endpoint=" + host + ":0"))
            .credentialsSupplier(credentials)
            .initialReplayStart(ClusterBackup.Configuration.ReplayStart.LATEST_SNAPSHOT)
            .clusterBackupCoolDownIntervalNs(TimeUnit.SECONDS.toNanos(1))
            .eventsListener(progress)
            .idleStrategySupplier(() -> new SleepingIdleStrategy(IDLE_NS));
        MediaDriver driver = null;
        Archive archive = null;
        ClusterBackup backup = null;
        boolean closed = false;
        try
        {
            driver = MediaDriver.launch(driverContext);
            archive = Archive.launch(archiveContext);
            backup = ClusterBackup.launch(backupContext);
            final long deadline = System.nanoTime() + patience.toNanos();
            while (!progress.copied(liveLogPosition(backupContext)))
            {
                final Exception rejected = progress.rejected;
                if (rejected != null)
                {
                    throw new IllegalStateException("the cluster refused the seed of node " + id + " (" +
                        rejected.getMessage() + "): once the rules name clients, a seed needs --cluster-key with the " +
                        "key of a client whose role may send CONFIGURE; its directory " + dir + " is not a node " +
                        "yet: move it aside", rejected);
                }
                if (System.nanoTime() > deadline)
                {
                    throw new IllegalStateException("the seed of node " + id + " from " + members + " did not " +
                        "finish in " + patience.toSeconds() + " s (" + progress + "); its directory " + dir +
                        " is not a node yet: move it aside. Are the other members running, and, once the rules " +
                        "name clients, is the key a client's whose role may send CONFIGURE? A node that refused " +
                        "the copy logs why" + progress.failureText());
                }
                Thread.sleep(10);
            }
            final Seeded seeded = new Seeded(progress.snapshotLogPosition,
                Math.max(progress.logPosition, liveLogPosition(backupContext)), progress.snapshots);
            // Closed before the seed counts as done: the archive's catalog and the recording on disk.
            closed = true;
            CloseHelper.closeAll(backup, archive, driver);
            return seeded;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("the seed of node " + id + " was interrupted", ex);
        }
        finally
        {
            if (!closed)
            {
                // A failure on the way (a port in use, the copy refused or late): whatever was launched is closed
                // quietly, so that the failure is the one reported.
                CloseHelper.quietCloseAll(backup, archive, driver);
            }
        }
    }

    private static long liveLogPosition(final ClusterBackup.Context context)
    {
        final io.aeron.Counter counter = context.liveLogPositionCounter();
        return counter == null || counter.isClosed() ? -1 : counter.get();
    }

    /**
     * @param markText what a seed's mark holds.
     * @return the snapshot's log position it names; -1 when it names none.
     */
    static long markedPosition(final String markText)
    {
        final int end = markText.indexOf('\n');
        final String first = end < 0 ? markText : markText.substring(0, end);
        if (!first.startsWith(MARK_POSITION))
        {
            return -1;
        }
        try
        {
            return Long.parseLong(first.substring(MARK_POSITION.length()).trim());
        }
        catch (final NumberFormatException ex)
        {
            return -1;
        }
    }

    /** Every member's consensus endpoint but this node's own. */
    private static String othersConsensusEndpoints(final int id, final ClusterMembers members)
    {
        final StringBuilder endpoints = new StringBuilder();
        for (int member = 0; member < members.size(); member++)
        {
            if (member != id)
            {
                endpoints.append(endpoints.length() == 0 ? "" : ",")
                    .append(members.host(member)).append(':').append(members.basePort(member) + 3);
            }
        }
        return endpoints.toString();
    }

    private static void refuseUnlessEmpty(final Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> entries = Files.list(dir))
        {
            final List<Path> found = entries.filter(entry -> !entry.getFileName().toString()
                .equals(ClusterNode.LOCK_FILE)).toList();
            if (!found.isEmpty())
            {
                throw new IllegalStateException("the node directory " + dir + " is not empty (it holds " +
                    found.get(0).getFileName() + "): a seed copies into a directory that holds no node; move it " +
                    "aside first");
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read the node directory " + dir, ex);
        }
    }

    /** What the backup reported, read by the thread that waits for it. */
    private static final class Progress implements ClusterBackupEventsListener
    {
        volatile boolean logged;
        volatile long snapshotLogPosition = -1;
        volatile int snapshots;
        volatile long logPosition = -1;
        volatile Exception failure;
        /** The cluster refused the backup query: no use waiting. */
        volatile Exception rejected;

        /**
         * @param counted the live log's recorded position as its counter shows it: the backup reports progress only
         *                when it rises, so an idle log after the snapshot is seen here.
         */
        boolean copied(final long counted)
        {
            return logged && Math.max(logPosition, counted) >= snapshotLogPosition;
        }

        String failureText()
        {
            final Exception last = failure;
            return last == null ? "" : "; the last failure: " + last;
        }

        @Override
        public void onBackupQuery()
        {
        }

        @Override
        public void onPossibleFailure(final Exception ex)
        {
            failure = ex;
            final String message = ex.getMessage();
            // Aeron's ClusterException reads "ERROR - AUTHENTICATION_REJECTED: ..." (a refused key or role).
            if (message != null && message.contains(io.aeron.cluster.codecs.EventCode.AUTHENTICATION_REJECTED.name()))
            {
                rejected = ex;
            }
        }

        @Override
        public void onBackupResponse(final ClusterMember[] clusterMembers, final ClusterMember logSourceMember,
            final List<RecordingLog.Snapshot> snapshotsToRetrieve)
        {
        }

        @Override
        public void onUpdatedRecordingLog(final RecordingLog recordingLog,
            final List<RecordingLog.Snapshot> snapshotsRetrieved)
        {
            if (logged)
            {
                // A later update (a new term in the log) retrieved nothing more: the first names the snapshot.
                return;
            }
            long position = -1;
            for (final RecordingLog.Snapshot snapshot : snapshotsRetrieved)
            {
                position = Math.max(position, snapshot.logPosition());
            }
            snapshots = snapshotsRetrieved.size();
            snapshotLogPosition = position;
            logged = true;
        }

        @Override
        public void onLiveLogProgress(final long recordingId, final long recordingPosCounterId, final long position)
        {
            logPosition = position;
        }

        @Override
        public String toString()
        {
            return logged ? "snapshot at log position " + snapshotLogPosition + ", log copied to " + logPosition :
                "no recording log written yet";
        }
    }
}
