/**
 * Approvals of privileged commands (SPEC §6): the canonical bytes approvers sign, and the verifier that counts valid
 * Ed25519 signatures before a command is sequenced, off the guard thread.
 */
package io.ledgerguard.core.approval;
