package io.ledgerguard.cluster;

import java.io.File;
import java.io.PrintStream;
import java.nio.file.Path;

import io.aeron.cluster.ClusterTool;

/**
 * An operator's actions on a running node, through its cluster directory on this machine, as Aeron's
 * {@code ClusterTool} takes them: the control toggle of the node's consensus module.
 */
public final class ClusterOperations
{
    private ClusterOperations()
    {
    }

    /**
     * @param nodeDir a node's directory, as given to {@link ClusterNode}.
     * @return whether a node runs there (its consensus module's mark file is present).
     */
    public static boolean nodeRunsIn(final Path nodeDir)
    {
        return ClusterTool.markFileExists(clusterDir(nodeDir));
    }

    /**
     * @param nodeDir a node's directory.
     * @param out     receives what Aeron says.
     * @return whether the node there leads, in a closed election.
     */
    public static boolean isLeader(final Path nodeDir, final PrintStream out)
    {
        return ClusterTool.isLeader(out, clusterDir(nodeDir)) == 0;
    }

    /**
     * Have every node take a snapshot: set on the leader.
     *
     * @param nodeDir the leader's directory.
     * @param out     receives what Aeron says.
     * @return whether the toggle was set and acted on.
     */
    public static boolean snapshot(final Path nodeDir, final PrintStream out)
    {
        return ClusterTool.snapshot(clusterDir(nodeDir), out);
    }

    /**
     * Stop the cluster cleanly: every node takes a snapshot and terminates. Set on the leader.
     *
     * @param nodeDir the leader's directory.
     * @param out     receives what Aeron says.
     * @return whether the toggle was set and acted on.
     */
    public static boolean stop(final Path nodeDir, final PrintStream out)
    {
        return ClusterTool.shutdown(clusterDir(nodeDir), out);
    }

    private static File clusterDir(final Path nodeDir)
    {
        return nodeDir.resolve("cluster").toFile();
    }
}
