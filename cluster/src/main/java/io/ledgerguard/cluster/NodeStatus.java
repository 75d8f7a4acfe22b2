package io.ledgerguard.cluster;

/**
 * What a node published when it was last quiet or took a snapshot: where it stands in the cluster's log and what its
 * state and evidence are there. Two nodes at the same {@link #seq()} must show the same {@link #stateHashHex()} and
 * {@link #chainHeadHex()}; anything else is a divergence.
 *
 * @param memberId         the node's member id.
 * @param role             LEADER, FOLLOWER or CANDIDATE, as its service was last told.
 * @param leadershipTermId the leadership term it last heard of; -1 before any.
 * @param seq              the sequence of the last command it applied.
 * @param stateHashHex     the guard's state hash after {@code seq}.
 * @param chainHeadHex     its evidence journal's chain head after {@code seq}; {@code null} without a journal, or
 *                         when the journal holds nothing at {@code seq} (its evidence began after a snapshot).
 * @param snapshotsTaken   snapshots it wrote since it started.
 * @param snapshotsLoaded  snapshots it started from.
 * @param answersDropped   answers it could not give a client (as leader).
 * @param malformed        messages it refused as undecodable.
 * @param refusedByRole    commands it refused because the sending client's role does not allow them.
 * @param sessionsRefused  sessions it refused as leader: no client id, an unknown or revoked one, or a wrong key.
 * @param divergences      evidence checks at which it differed from the leader (an alert each): not to be trusted.
 */
public record NodeStatus(int memberId, String role, long leadershipTermId, long seq, String stateHashHex,
    String chainHeadHex, long snapshotsTaken, long snapshotsLoaded, long answersDropped, long malformed,
    long refusedByRole, long sessionsRefused, long divergences)
{
}
