package dev.baton.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/** TLS material read from PEM files: trusted CA certificates and an optional client certificate with its key. */
public final class TlsFiles {
  /**
   * A socket factory with its trust manager.
   *
   * @param socketFactory for https connections
   * @param trustManager the matching trust manager
   */
  public record Tls(SSLSocketFactory socketFactory, X509TrustManager trustManager) {}

  private TlsFiles() {}

  /**
   * Reads the files (any may be null: no CA means the JDK's trust store, no certificate means no client
   * authentication).
   *
   * @throws IllegalArgumentException naming the builder parameter when a file cannot be read as PEM
   */
  public static Tls read(Path caCertificate, Path clientCertificate, Path clientKey) {
    HandshakeCertificates.Builder b = new HandshakeCertificates.Builder();
    if (caCertificate != null) {
      try (var in = Files.newInputStream(caCertificate)) {
        for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          b.addTrustedCertificate((X509Certificate) c);
        }
      } catch (IOException | CertificateException e) {
        throw new IllegalArgumentException("tlsCaCertificate cannot be read as PEM certificates: "
            + caCertificate, e);
      }
    } else {
      b.addPlatformTrustedCertificates();
    }
    if (clientCertificate != null) {
      try {
        String certs = Files.readString(clientCertificate, StandardCharsets.US_ASCII);
        String key = Files.readString(clientKey, StandardCharsets.US_ASCII);
        b.heldCertificate(HeldCertificate.decode(firstPem(certs) + "\n" + key));
      } catch (IOException | IllegalArgumentException e) {
        throw new IllegalArgumentException("tlsClientCertificate cannot be read (PEM certificate and PKCS#8 "
            + "PEM private key expected): " + clientCertificate + ", " + clientKey, e);
      }
    }
    HandshakeCertificates certs = b.build();
    return new Tls(certs.sslSocketFactory(), certs.trustManager());
  }

  private static String firstPem(String pem) {
    int end = pem.indexOf("-----END CERTIFICATE-----");
    return end < 0 ? pem : pem.substring(0, end + "-----END CERTIFICATE-----".length());
  }
}
