/**
 * JMH benchmarks and the open-loop load harness.
 */
package io.ledgerguard.bench;
