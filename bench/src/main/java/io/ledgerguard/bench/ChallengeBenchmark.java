package io.ledgerguard.bench;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.ledgerguard.protocol.ControlMessages;

/**
 * The handshake's cryptography alone (SPEC §12): the client signing the gateway's challenge, and the gateway verifying
 * it as it does, with the JDK's Ed25519. Paid once per connection, on the gateway's I/O thread for the verification.
 * <p>
 * Not {@code final}: JMH generates subclasses of state classes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ChallengeBenchmark
{
    private KeyPair key;
    private final byte[] nonce = new byte[ControlMessages.NONCE_LENGTH];
    private byte[] signature;

    /**
     * A key pair, a nonce, and the nonce's signature.
     */
    @Setup
    public void setUp() throws GeneralSecurityException
    {
        key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        new java.security.SecureRandom().nextBytes(nonce);
        signature = sign();
    }

    @Benchmark
    public byte[] sign() throws GeneralSecurityException
    {
        final Signature ed25519 = Signature.getInstance("Ed25519");
        ed25519.initSign(key.getPrivate());
        ed25519.update(ControlMessages.challenge(ControlMessages.PROTOCOL_VERSION, "order-gateway-1", nonce));
        return ed25519.sign();
    }

    @Benchmark
    public boolean verify() throws GeneralSecurityException
    {
        final Signature ed25519 = Signature.getInstance("Ed25519");
        ed25519.initVerify(key.getPublic());
        ed25519.update(ControlMessages.challenge(ControlMessages.PROTOCOL_VERSION, "order-gateway-1", nonce));
        return ed25519.verify(signature);
    }
}
