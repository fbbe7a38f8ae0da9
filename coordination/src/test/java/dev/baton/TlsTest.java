package dev.baton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.testing.ConsulProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** https with a custom CA and a client certificate, against a real Consul agent with TLS. */
class TlsTest {

  @Test
  void mutualTlsWithACustomCa(@TempDir Path dir) throws Exception {
    HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("baton test CA")
        .build();
    HeldCertificate server = new HeldCertificate.Builder().signedBy(ca).commonName("server.dc1.consul")
        .addSubjectAlternativeName("127.0.0.1").addSubjectAlternativeName("localhost").build();
    HeldCertificate client = new HeldCertificate.Builder().signedBy(ca).commonName("baton client").build();
    Path caPem = write(dir, "ca.pem", ca.certificatePem());
    Path serverCert = write(dir, "server.pem", server.certificatePem());
    Path serverKey = write(dir, "server-key.pem", server.privateKeyPkcs8Pem());
    Path clientCert = write(dir, "client.pem", client.certificatePem());
    Path clientKey = write(dir, "client-key.pem", client.privateKeyPkcs8Pem());

    try (ConsulProcess consul = ConsulProcess.startWithTls(caPem, serverCert, serverKey)) {
      try (Coordinator c = Coordinator.builder().address(consul.httpsAddress()).token(null)
          .tlsCaCertificate(caPem).tlsClientCertificate(clientCert, clientKey).build()) {
        assertFalse(c.sessionId().isEmpty(), "a session over mutual TLS");
        try (Lease lease = c.lock("tls").acquire()) {
          assertTrue(lease.isHeld());
        }
      }
      try (Coordinator noClientCert = Coordinator.builder().address(consul.httpsAddress()).token(null)
          .tlsCaCertificate(caPem).operationTimeout(Duration.ofSeconds(1)).build()) {
        ConsulUnavailableException e = assertThrows(ConsulUnavailableException.class, noClientCert::sessionId);
        assertEquals("/v1/session/create", e.path());
      }
      try (Coordinator untrusted = Coordinator.builder().address(consul.httpsAddress()).token(null)
          .operationTimeout(Duration.ofSeconds(1)).build()) {
        assertThrows(ConsulUnavailableException.class, untrusted::sessionId, "the JDK does not trust our CA");
      }
    }
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> Coordinator.builder().tlsCaCertificate(dir.resolve("missing.pem")));
    assertTrue(bad.getMessage().contains("missing.pem"), bad.getMessage());
  }

  private static Path write(Path dir, String name, String pem) throws Exception {
    return Files.writeString(dir.resolve(name), pem);
  }
}
