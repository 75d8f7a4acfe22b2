/**
 * The guard as a replicated state machine on Aeron Cluster (issue 16, SPEC §10): {@link
 * io.ledgerguard.cluster.GuardClusteredService} applies the cluster's log to a {@code GuardEngine} on every node, and
 * {@link io.ledgerguard.cluster.ClusterNode} runs one node on a machine's loopback. The commands and decisions are the
 * sidecar protocol's messages; snapshots are the journal's snapshot files, streamed.
 */
package io.ledgerguard.cluster;
