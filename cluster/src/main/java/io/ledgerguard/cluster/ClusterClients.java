package io.ledgerguard.cluster;

import java.nio.file.Path;
import java.time.Duration;

import io.aeron.driver.MediaDriver;
import org.agrona.CloseHelper;

/**
 * A media driver for a process's cluster clients (shared threading, a sleeping idle strategy), and the clients made on
 * it: for a program that holds no Aeron type of its own.
 */
public final class ClusterClients implements AutoCloseable
{
    private final MediaDriver driver;
    private final ClusterMembers members;

    private ClusterClients(final MediaDriver driver, final ClusterMembers members)
    {
        this.driver = driver;
        this.members = members;
    }

    /**
     * @param dir     the driver's directory (deleted on start and on close).
     * @param members the cluster its clients reach.
     * @return the running driver.
     */
    public static ClusterClients launch(final Path dir, final ClusterMembers members)
    {
        return new ClusterClients(ClusterGuardClient.launchDriver(dir), members);
    }

    /**
     * @param patience how long to wait for a leader, and for any one answer.
     * @return a client connected to the leader, for one thread; close it before this.
     * @throws ClusterUnavailableException when no leader answered within {@code patience}.
     */
    public ClusterGuardClient connect(final Duration patience)
    {
        return ClusterGuardClient.connect(driver.aeronDirectoryName(), members, patience);
    }

    /**
     * @param credentials the client's id and key, which a cluster whose rules name clients asks for; or {@code null}.
     * @param patience    how long to wait for a leader, and for any one answer.
     * @return a client connected to the leader, for one thread; close it before this.
     * @throws ClusterUnavailableException when no leader answered within {@code patience}.
     * @throws ClusterRefusedException     when the leader refused the client.
     */
    public ClusterGuardClient connect(final ClusterCredentials credentials, final Duration patience)
    {
        return ClusterGuardClient.connect(driver.aeronDirectoryName(), members, credentials, patience);
    }

    @Override
    public void close()
    {
        CloseHelper.quietClose(driver);
    }
}
