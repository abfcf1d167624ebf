// A certificate authority made in memory for tests of TLS: its own P-256 key and self-signed
// certificate, and server certificates it issues for localhost and 127.0.0.1, as PEM, so that
// a test trusts exactly what it made (no system store, no ignored verification).
//
//   TestCa ca = TestCa::Make("herald test CA");
//   TestCertificate server = ca.Issue("localhost", /*serial=*/1);
//   WriteFile(dir + "/cert.pem", server.cert_pem);   // the edge's --http_tls_cert
//   client_context.add_certificate_authority(boost::asio::buffer(ca.cert_pem()));
#ifndef HERALD_TESTS_TESTING_TEST_CA_H_
#define HERALD_TESTS_TESTING_TEST_CA_H_

#include <cstdint>
#include <memory>
#include <string>

namespace herald::testing {

struct TestCertificate {
  std::string cert_pem;
  std::string key_pem;
};

// Movable; aborts the test binary when OpenSSL fails (it does not on well-formed input).
class TestCa {
 public:
  static TestCa Make(const std::string& name);
  TestCa(TestCa&&) noexcept;
  TestCa& operator=(TestCa&&) noexcept;
  ~TestCa();

  const std::string& cert_pem() const { return cert_pem_; }
  // A server certificate for `common_name` with subject alternative names DNS:localhost and
  // IP:127.0.0.1, valid from an hour ago for a day; `serial` tells issued ones apart.
  TestCertificate Issue(const std::string& common_name, uint64_t serial) const;

 private:
  struct Keys;
  TestCa(std::unique_ptr<Keys> keys, std::string cert_pem);

  std::unique_ptr<Keys> keys_;
  std::string cert_pem_;
};

// The serial number of the first certificate in `cert_pem`; 0 when it does not parse.
uint64_t SerialOf(const std::string& cert_pem);

}  // namespace herald::testing

#endif  // HERALD_TESTS_TESTING_TEST_CA_H_
