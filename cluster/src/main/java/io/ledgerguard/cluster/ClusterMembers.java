package io.ledgerguard.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a cluster's nodes are: each member a host and a base port, from which it takes {@value #PORTS_PER_NODE}
 * ports: base + 1 its archive's control, + 2 ingress (clients), + 3 consensus, + 4 log, + 5 catch-up, + 6 its
 * read-only status over HTTP (the {@code cluster node} command's). Member ids are
 * the positions in the list, from 0. Every node and client of one cluster is given the same list.
 */
public final class ClusterMembers
{
    /** Ports each member reserves from its base. */
    public static final int PORTS_PER_NODE = 10;
    /** The highest base port: its last port must be a port. */
    private static final int BASE_PORT_MAX = 65_535 - PORTS_PER_NODE;

    private final List<String> hosts;
    private final int[] basePorts;

    private ClusterMembers(final List<String> hosts, final int[] basePorts)
    {
        this.hosts = List.copyOf(hosts);
        this.basePorts = basePorts;
    }

    /**
     * @param nodes    how many members, on this machine's loopback.
     * @param portBase the base port of member 0; each next member's is {@value #PORTS_PER_NODE} higher.
     * @return the members.
     */
    public static ClusterMembers loopback(final int nodes, final int portBase)
    {
        final List<String> hosts = new ArrayList<>();
        final int[] bases = new int[nodes];
        for (int node = 0; node < nodes; node++)
        {
            hosts.add("localhost");
            bases[node] = portBase + node * PORTS_PER_NODE;
        }
        return new ClusterMembers(hosts, bases);
    }

    /**
     * @param text {@code host:port,host:port,...}, one per member in member id order.
     * @return the members.
     * @throws IllegalArgumentException naming the entry that is not a host and a base port, or a repeated one.
     */
    public static ClusterMembers parse(final String text)
    {
        return parse(text, "--members");
    }

    /**
     * @param text   {@code host:port,host:port,...}, one per member in member id order.
     * @param option the option that gave it, for the messages.
     * @return the members.
     * @throws IllegalArgumentException naming the option and the entry that is not a host and a base port, or a
     *                                  repeated one.
     */
    public static ClusterMembers parse(final String text, final String option)
    {
        final String[] entries = text.split(",", -1);
        final List<String> hosts = new ArrayList<>();
        final int[] bases = new int[entries.length];
        for (int i = 0; i < entries.length; i++)
        {
            final String entry = entries[i].trim();
            final int colon = entry.lastIndexOf(':');
            if (colon <= 0 || colon == entry.length() - 1)
            {
                throw new IllegalArgumentException(option + " entry " + i + " '" + entry + "' is not HOST:PORT");
            }
            final int base;
            try
            {
                base = Integer.parseInt(entry.substring(colon + 1));
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException(option + " entry " + i + " '" + entry + "': the port is not a " +
                    "number");
            }
            if (base < 1 || base > BASE_PORT_MAX)
            {
                throw new IllegalArgumentException(option + " entry " + i + " '" + entry + "': the base port must " +
                    "be 1.." + BASE_PORT_MAX + " (each member takes " + PORTS_PER_NODE + " ports from it)");
            }
            final String host = entry.substring(0, colon);
            for (int j = 0; j < i; j++)
            {
                if (hosts.get(j).equals(host) && Math.abs(bases[j] - base) < PORTS_PER_NODE)
                {
                    throw new IllegalArgumentException(option + " entries " + j + " and " + i + " share ports on " +
                        host + ": base ports on one host must be at least " + PORTS_PER_NODE + " apart");
                }
            }
            hosts.add(host);
            bases[i] = base;
        }
        return new ClusterMembers(hosts, bases);
    }

    /**
     * @return how many members.
     */
    public int size()
    {
        return hosts.size();
    }

    /**
     * @param id a member id.
     * @return its host.
     */
    public String host(final int id)
    {
        return hosts.get(id);
    }

    /**
     * @param id a member id.
     * @return its base port.
     */
    public int basePort(final int id)
    {
        return basePorts[id];
    }

    /**
     * @param id a member id.
     * @return the port of its status over HTTP: its base + 6.
     */
    public int statusPort(final int id)
    {
        return basePorts[id] + 6;
    }

    /**
     * @return the members as the consensus module takes them:
     *     {@code id,ingress,consensus,log,catchup,archive|...}.
     */
    public String consensusMembers()
    {
        final StringBuilder members = new StringBuilder();
        for (int id = 0; id < size(); id++)
        {
            final String host = hosts.get(id);
            final int base = basePorts[id];
            members.append(id)
                .append(',').append(host).append(':').append(base + 2)
                .append(',').append(host).append(':').append(base + 3)
                .append(',').append(host).append(':').append(base + 4)
                .append(',').append(host).append(':').append(base + 5)
                .append(',').append(host).append(':').append(base + 1)
                .append('|');
        }
        members.setLength(members.length() - 1);
        return members.toString();
    }

    /**
     * @return the ingress endpoints, as a cluster client takes them: {@code id=host:port,...}.
     */
    public String ingressEndpoints()
    {
        final StringBuilder endpoints = new StringBuilder();
        for (int id = 0; id < size(); id++)
        {
            endpoints.append(id).append('=').append(hosts.get(id)).append(':').append(basePorts[id] + 2).append(',');
        }
        endpoints.setLength(endpoints.length() - 1);
        return endpoints.toString();
    }

    /**
     * @param id a member id.
     * @return this machine's address on the route to that member: where a client asks the cluster to answer it (a
     *     UDP socket connected to the member, which sends nothing, says which local address the route takes).
     * @throws IllegalArgumentException when the member's host cannot be resolved or reached.
     */
    public String localAddressFacing(final int id)
    {
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket())
        {
            socket.connect(new java.net.InetSocketAddress(hosts.get(id), basePorts[id] + 2));
            final java.net.InetAddress local = socket.getLocalAddress();
            if (local == null || local.isAnyLocalAddress())
            {
                throw new IllegalArgumentException("no local address routes to member " + id + " (" + hosts.get(id) +
                    ")");
            }
            return local.getHostAddress();
        }
        catch (final java.io.IOException | java.io.UncheckedIOException ex)
        {
            throw new IllegalArgumentException("member " + id + " (" + hosts.get(id) + ":" + basePorts[id] +
                ") cannot be reached from here: " + ex.getMessage(), ex);
        }
    }

    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder();
        for (int id = 0; id < size(); id++)
        {
            text.append(id == 0 ? "" : ",").append(hosts.get(id)).append(':').append(basePorts[id]);
        }
        return text.toString();
    }
}
