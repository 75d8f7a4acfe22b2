/**
 * The demo: a seeded simulated exchange (order gateways, a custody feed and wallet service, an operator console) run
 * through the embedded pipeline, with the incidents of SPEC §1 injected, and the report of what the guard did.
 */
package io.ledgerguard.demo;
