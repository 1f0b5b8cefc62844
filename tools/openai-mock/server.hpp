// openai-mock: a real HTTPS (and plain HTTP) server answering the OpenAI stored chat
// completions API from an in-memory store. Integration tests link it in-process; the
// `openai-mock` executable wraps it for scripts and the demo.
//
//   openai_mock::server mock({.seed_completions = 50});
//   mock.start();                       // listening on 127.0.0.1 when this returns
//   client_options o{.base_url = mock.https_base_url(), .ca_pem = mock.ca_pem()};
//   ...
//   assert(mock.stats().tls_handshakes == 1);  // keep-alive reused one connection
//
// This header pulls in no Asio, Beast or OpenSSL headers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certificates.hpp"
#include "fault.hpp"
#include "rate_limit.hpp"

namespace openai_mock {

struct server_options {
  std::string api_key = "sk-mock-key";
  std::size_t seed_completions = 0;
  std::string path_prefix = "/v1";
  unsigned short https_port = 0;  // 0 = ephemeral
  unsigned short http_port = 0;   // 0 = ephemeral
  // The addresses each listener binds, all on the same port: loopback IP literals only
  // ("127.0.0.1", "::1", any of 127.0.0.0/8); start() refuses anything else, so the mock is
  // never reachable from another machine.
  std::vector<std::string> listen_addresses{"127.0.0.1"};
  bool enable_https = true;
  bool enable_http = true;
  unsigned threads = 1;

  // Certificate material (PEM). When cert_chain_pem is empty, a CA and a leaf are generated
  // at construction from `certificates` (so a test can ask for an expired leaf or one for
  // another host name) and ca_cert_pem is filled in.
  // (The `{}` initializers keep designated initialization quiet under -Wextra.)
  std::string cert_chain_pem{};
  std::string private_key_pem{};
  std::string ca_cert_pem{};
  certificate_options certificates{};

  // Mutual TLS. Not empty: the HTTPS listener requires a client certificate and verifies it
  // against these CA certificates (PEM, one or more); a handshake without one, or with one no
  // such CA signed, fails.
  std::string client_ca_pem{};
  // Generates at construction a client CA (trusted in addition to client_ca_pem, so client
  // certificates are required) and a client certificate it signs: client_cert_pem() and
  // client_key_pem() of the server.
  bool generate_client_certificate = false;
  // Caps the HTTPS listener at TLS 1.2, where a refused client certificate ends the handshake
  // itself (TLS 1.3 reports it to the client only after the client's side has finished).
  bool tls12_only = false;

  // A connection with no request for this long is closed, so abandoned clients never leak.
  std::chrono::seconds idle_timeout{60};
  std::size_t body_limit = 1024 * 1024;  // larger bodies get 413 and the connection closes

  // HTTP/2 over TLS: ALPN selects "h2" when the client offers it and this is on, else
  // "http/1.1". Plain http:// is HTTP/1.1, or h2c when the client opens with the HTTP/2
  // preface (prior knowledge) and this is on. Each h2 connection serves up to
  // h2_max_concurrent_streams requests at once (its SETTINGS_MAX_CONCURRENT_STREAMS).
  bool enable_http2 = true;
  std::uint32_t h2_max_concurrent_streams = 100;

  // Fault injection (see fault.hpp), consulted in this order before each API request:
  // a custom decider (empty = none), the per-completion-id script, the random rate.
  fault_decider faults{};
  fault_script script{};
  random_fault_options random_faults{};

  // The real network's two properties. A rate limit (rate_limit.hpp; none by default): one
  // token bucket for the whole server, checked as each API request arrives, before the fault
  // plan; a request it refuses gets the API's 429 and reaches neither the faults nor the
  // store. With a limit, every API answer carries the x-ratelimit-*-requests headers.
  // Changed at run time by POST /__mock/rate-limit.
  std::optional<openai_mock::rate_limit> rate_limit{};
  // Every API answer waits this long after its request arrived (an Asio timer: no thread is
  // held, other connections and other h2 streams go on). /__mock/* is never delayed.
  std::chrono::nanoseconds latency{0};
};

class server {
 public:
  explicit server(server_options options);
  ~server();  // stops and joins
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds listen_addresses (127.0.0.1 by default) and starts the io threads; returns once
  // listening. Throws std::invalid_argument for an address that is not a loopback IP literal.
  // Call once.
  void start();
  // Stops accepting, closes idle connections, lets in-flight responses finish (up to a few
  // seconds), then joins the threads. Idempotent; don't call it from an io thread.
  void stop();

  unsigned short https_port() const;  // 0 when https is disabled or not started
  unsigned short http_port() const;
  std::string https_base_url() const;  // "https://127.0.0.1:<port>/v1"; empty when disabled
  std::string http_base_url() const;
  // The same on one of listen_addresses, IPv6 in brackets: https_base_url("::1") is
  // "https://[::1]:<port>/v1". Empty when disabled or not listening on that address.
  std::string https_base_url(std::string_view address) const;
  std::string http_base_url(std::string_view address) const;
  const std::string& ca_pem() const;  // trust anchor for clients (empty for a self-signed leaf)
  void write_ca_file(const std::string& path) const;  // throws std::runtime_error on failure
  // The CAs client certificates are verified against; empty when none is required.
  const std::string& client_ca_pem() const;
  // The client certificate and its (PKCS#8) key made by generate_client_certificate; else empty.
  const std::string& client_cert_pem() const;
  const std::string& client_key_pem() const;
  // Writes them (the key readable by its owner only); throws std::runtime_error on failure.
  void write_client_certificate(const std::string& cert_path, const std::string& key_path) const;

  struct counters {
    std::uint64_t tls_handshakes = 0;          // completed successfully
    std::uint64_t tls_handshake_failures = 0;  // failed or timed out (not aborted by stop())
    // Of those, the ones where the client sent no certificate although one is required, and
    // the ones whose client certificate did not verify.
    std::uint64_t tls_client_certificate_missing = 0;
    std::uint64_t tls_client_certificate_rejected = 0;
    // Completed handshakes by the server name the client sent (SNI); "" for none, as a client
    // sends for an IP literal (RFC 6066).
    std::map<std::string, std::uint64_t> tls_server_names;
    std::uint64_t connections_accepted = 0;    // both listeners
    std::uint64_t https_connections = 0;
    std::uint64_t http_connections = 0;
    std::uint64_t h2_connections = 0;   // connections that spoke HTTP/2 (ALPN h2, or h2c)
    std::uint64_t h2_streams = 0;       // request streams opened on them (/__mock/* included)
    std::uint64_t h2_peak_streams = 0;  // the most streams open at once on one connection
    // PING frames received (not their ACKs): how a client checks an idle h2 connection
    std::uint64_t h2_pings = 0;
    // API requests received and read whole (/__mock/* excluded), faulted or not; a request
    // met by an idle_close reset is not counted.
    std::uint64_t requests = 0;
    std::uint64_t faults_injected = 0;  // requests given a fault plan other than `none`
    // fault kind -> count: the action names of fault.hpp ("reset", "truncate", ...), and
    // "status_<code>" for `respond` (e.g. "status_429").
    std::map<std::string, std::uint64_t> faults_by_kind;
    std::uint64_t unauthorized = 0;    // of which answered 401
    // Of the requests, those the rate limit refused with a 429 (not counted as faults).
    std::uint64_t rate_limited = 0;
    // The most API answers waiting out `latency` at once, over all connections and streams:
    // 20 when 20 requests were all in the mock before the first of them was answered.
    std::uint64_t delayed_peak = 0;
    std::uint64_t admin_requests = 0;  // /__mock/* requests
    // "<METHOD> <operationId>" -> count, e.g. "POST updateChatCompletion"; unknown paths
    // count as "<METHOD> unmatched".
    std::map<std::string, std::uint64_t> by_route;
  };
  counters stats() const;

  // Replaces the fault steps for a completion id ("*": any API request) on the running
  // server; an empty vector removes them. Thread-safe. Also: POST /__mock/faults.
  void script_faults(const std::string& id, std::vector<fault_step> steps);
  void clear_faults();  // forgets every scripted step (the random rate stays)
  // Replaces the rate limit, as POST /__mock/rate-limit does (nullopt: none).
  void set_rate_limit(std::optional<openai_mock::rate_limit> limit);
  // Scripted steps not consumed yet, per id.
  std::map<std::string, std::size_t> pending_faults() const;

  // Current metadata of a stored completion; nullopt for an unknown or deleted id.
  std::optional<std::map<std::string, std::string>> metadata_of(std::string_view id) const;

  static std::string completion_id(std::size_t index);  // "chatcmpl-mock-000001"

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace openai_mock
