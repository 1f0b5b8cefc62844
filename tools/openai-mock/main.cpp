// The `openai-mock` executable: runs openai_mock::server until SIGINT/SIGTERM.
// Scripts start it with --port-file and wait for that file to appear: it is written
// (atomically, via rename) only once both listeners accept connections.
#include <signal.h>

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "go_duration.hpp"
#include "rate_limit.hpp"
#include "server.hpp"

namespace {

constexpr std::string_view usage = R"(usage: openai-mock [options]

A local HTTPS mock of the OpenAI stored chat completions API (listens on loopback only).

  --https-port N    HTTPS port (default 0: ephemeral)
  --http-port N     plain HTTP port (default 0: ephemeral)
  --listen ADDR     listen on loopback address ADDR (127.0.0.1, ::1 or another of 127.0.0.0/8);
                    repeat it for several, each with the same ports (default: 127.0.0.1)
  --ipv6            the same as --listen 127.0.0.1 --listen ::1
  --tls-name NAME   the certificate names NAME too (DNS), for tests that reach a loopback
                    address by another name, such as the machine's host name
  --no-https        disable the HTTPS listener
  --no-http         disable the plain HTTP listener
  --seed N          number of stored completions to create (ids chatcmpl-mock-000001...)
  --api-key KEY     the accepted key (default: $OPENAI_API_KEY, else sk-mock-key)
  --ca-out PATH     write the CA certificate (PEM) that clients should trust
  --port-file PATH  once listening, write "<https_port> <http_port>\n" to PATH
  --client-ca PEM   mutual TLS: require a client certificate on HTTPS and verify it against
                    the CA certificate(s) of the PEM file PEM; a handshake without one, or with
                    one no such CA signed, fails (counted in the stats as
                    tls_client_certificate_missing / tls_client_certificate_rejected)
  --client-cert-out PATH, --client-key-out PATH
                    mutual TLS for tests: generate a client CA (trusted as by --client-ca, in
                    addition to it) and a client certificate it signs; write the certificate
                    and its unencrypted PKCS#8 key (mode 0600) to these paths (both required)
  --client-ca-out PATH
                    write the CA certificate(s) client certificates are verified against
  --threads N       io threads (default 1)
  --idle-timeout S  close connections idle for S seconds (default 60)
  --http1-only      never speak HTTP/2: every connection is HTTP/1.1 (by default a TLS client
                    offering "h2" in ALPN gets HTTP/2, and a plain HTTP client opening with
                    the HTTP/2 preface gets h2c)
  --h2-max-streams N  SETTINGS_MAX_CONCURRENT_STREAMS of each h2 connection (default 100)
  --fault-rate R    inject a fault into each API request with probability R in [0, 1]: a 429
                    or 503 with retry-after-ms 50-200, a 500, or a reset before the response
                    (weights 50:20:10:20), all of which a retrying client recovers from
  --fault-seed N    seed of the fault rate's generator (default 0): the same seed and request
                    order give the same faults
  --fault-script F  JSON file of scripted faults per completion id ("*": any API request),
                    steps consumed in order, then normal answers again, e.g.
                      {"chatcmpl-mock-000001": [{"status": 429, "retry_after_ms": 100},
                                                {"action": "reset"}, "ok"]}
                    A step is "ok" or {"action": A, ...}; actions: respond (the default when
                    "status" is given; fields status, headers, body, code, retry_after_ms),
                    reset, reset_mid_response (bytes), truncate (bytes missing), delay (ms),
                    slow_drip (ms per byte, default 100), malformed_status (text),
                    malformed_header (text), chunked (bytes per chunk), oversized (bytes,
                    default 64 MiB), close_after_response, idle_close, and the HTTP/2
                    faults (over h2, per stream): rst_stream (code, default refused_stream;
                    the request is not processed), goaway (code, default no_error; its
                    last-stream-id names the stream before this one, so this and later
                    streams are not processed), stall_window (bytes of the body sent, then
                    no DATA ever: the stream stalls, the others go on), drop_connection
                    (bytes, default half the body, then the TCP connection is reset), and the
                    hostile HTTP/2 faults (frames no well-behaved server sends): on the
                    stream, instead of its answer, continuation_flood (bytes: CONTINUATION
                    frames, default 1000), push_promise, bad_hpack (COMPRESSION_ERROR),
                    oversized_frame (DATA of 16385 bytes), header_field_bomb (bytes: fields,
                    default 3000), huge_headers (bytes, default 80 KiB); on the connection,
                    then the normal answer, ping_flood and settings_flood (bytes: frames,
                    default 2000), many_settings (bytes: entries, default 64). A code
                    is an HTTP/2 error name: no_error, protocol_error, internal_error,
                    flow_control_error, stream_closed, refused_stream, cancel,
                    enhance_your_calm, ... Over HTTP/1.1 these fall back to reset,
                    reset_mid_response or a stalled response; over h2, reset is RST_STREAM
                    internal_error and the wire-only actions answer normally. Any step may set
                    response headers: "headers" {name: value} or "header_hex" {name: hex
                    bytes} (values that are not UTF-8), e.g. a normal answer with an odd id:
                      {"action": "none", "header_hex": {"x-request-id": "7265715fff"}}
  --rate-limit R[/s|/m]
                    the API's rate limit: R requests per second (R alone or R/s) or per
                    minute (R/m), R a positive number (decimals allowed). One token bucket for
                    the whole server (all connections and threads), holding --rate-burst
                    tokens, full at start, refilled continuously at the rate; each API request
                    (not /__mock/*) takes one, checked as it arrives (before faults and
                    --latency), or gets the API's 429: {"error":{"message":"Rate limit reached
                    for requests ... Limit L, Used L, Requested 1. Please try again in D. ...",
                    "type":"requests","param":null,"code":"rate_limit_exceeded"}} with
                    retry-after-ms (until one token, rounded up, at least 1) and retry-after
                    (whole seconds, rounded up). Every API answer then carries, as the API's:
                      x-ratelimit-limit-requests: L       (R as given: 200 for 200/s,
                                                           12000 for 12000/m)
                      x-ratelimit-remaining-requests: N   (the tokens left, rounded down)
                      x-ratelimit-reset-requests: D       ((L - tokens) / rate, at least 0,
                                                           Go-formatted: 0s, 120ms, 1.5s, 6m0s)
                    so a client's (L - N) / D is the rate. Counted as rate_limited in the
                    stats (apart from injected faults); changed at run time by
                    POST /__mock/rate-limit
  --rate-burst B    the bucket's size, a whole number >= 1 (default: 100 ms worth of the rate,
                    at least 1: 20 for 200/s and for 12000/m); needs --rate-limit
  --latency D       every API answer waits D after its request arrived (a Go duration: 25ms,
                    0.5s, 1m30s; 0 for none), on an Asio timer: no thread is held, other
                    connections and other HTTP/2 streams go on. Over HTTP/2 the faults that
                    answer nothing (reset, rst_stream, goaway) act at once; /__mock/* is never
                    delayed. delayed_peak in the stats: the most answers waiting at once
  --help            this text

Unauthenticated helpers (no faults there): GET /__mock/stats (counters, including
faults_injected and faults_by_kind), GET /__mock/metadata/{id}, and /__mock/faults:
POST a fault script (same JSON as --fault-script; replaces the steps of the ids it names),
GET the pending steps per id, DELETE to forget them all; /__mock/rate-limit: GET the rate
limit ({"rate":"50/s","limit":50,"per":"s","burst":5,"tokens":4.5}, or {"rate":null}), POST
{"rate":"50/s","burst":5} to replace it at once ("burst" optional; the tokens left are kept,
capped at the new burst), DELETE to remove it. The stats count h2 connections and
streams too (h2_connections, h2_streams, h2_peak_streams), and PING frames received (h2_pings).
)";

struct bad_usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

double parse_rate(std::string_view flag, const char* text) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text, &end);
  if (errno != 0 || end == text || *end != '\0' || !(v >= 0.0 && v <= 1.0))
    throw bad_usage(std::string(flag) + ": not a probability in [0, 1]: " + text);
  return v;
}

openai_mock::fault_script read_fault_script(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bad_usage("--fault-script: cannot read " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    return openai_mock::parse_fault_script(text);
  } catch (const std::invalid_argument& e) {
    throw bad_usage("--fault-script " + path + ": " + e.what());
  }
}

unsigned long long parse_u64(std::string_view flag, const char* text) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-')
    throw bad_usage(std::string(flag) + ": not a non-negative integer: " + text);
  return v;
}

unsigned long parse_number(std::string_view flag, const char* text, unsigned long max) {
  char* end = nullptr;
  errno = 0;
  const unsigned long v = std::strtoul(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v > max || text[0] == '-')
    throw bad_usage(std::string(flag) + ": not a number in [0, " + std::to_string(max) +
                    "]: " + text);
  return v;
}

struct cli {
  openai_mock::server_options options;
  std::optional<std::string> ca_out, port_file, client_cert_out, client_key_out, client_ca_out;
  bool listen_given = false;  // the first --listen replaces the default address
  std::optional<double> rate_burst;
};

openai_mock::rate_limit parse_rate_limit(std::string_view flag, const char* text) {
  try {
    return openai_mock::parse_rate_limit(text);
  } catch (const std::invalid_argument& e) {
    throw bad_usage(std::string(flag) + ": " + e.what() + " (expected R, R/s or R/m, R > 0)");
  }
}

double parse_rate_burst(std::string_view flag, const char* text) {
  try {
    return openai_mock::parse_rate_burst(text);
  } catch (const std::invalid_argument& e) {
    throw bad_usage(std::string(flag) + ": " + e.what());
  }
}

std::chrono::nanoseconds parse_latency(std::string_view flag, const char* text) {
  const auto d = openai_mock::parse_go_duration(text);
  if (!d)
    throw bad_usage(std::string(flag) + ": not a duration such as 25ms, 0.5s or 0: " + text);
  return *d;
}

std::string read_client_ca(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bad_usage("--client-ca: cannot read " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    throw bad_usage("--client-ca: " + path + " holds no PEM certificate");
  return text;
}

void add_listen_address(cli& c, std::string_view flag, const std::string& address) {
  boost::system::error_code ec;
  const auto parsed = boost::asio::ip::make_address(address, ec);
  if (ec || !parsed.is_loopback())
    throw bad_usage(std::string(flag) + ": not a loopback IP address (127.0.0.0/8 or ::1): " +
                    address);
  if (!c.listen_given) c.options.listen_addresses.clear();
  c.listen_given = true;
  auto& all = c.options.listen_addresses;
  if (std::find(all.begin(), all.end(), address) == all.end()) all.push_back(address);
}

cli parse(int argc, char** argv) {
  cli c;
  if (const char* k = std::getenv("OPENAI_API_KEY"); k && *k) c.options.api_key = k;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) throw bad_usage(std::string(a) + " needs a value");
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << usage;
      std::exit(0);
    } else if (a == "--https-port") {
      c.options.https_port = static_cast<unsigned short>(parse_number(a, value(), 65535));
    } else if (a == "--http-port") {
      c.options.http_port = static_cast<unsigned short>(parse_number(a, value(), 65535));
    } else if (a == "--listen") {
      add_listen_address(c, a, value());
    } else if (a == "--ipv6") {
      add_listen_address(c, a, "127.0.0.1");
      add_listen_address(c, a, "::1");
    } else if (a == "--tls-name") {
      // Another name of a loopback address (the machine's host name, say), for tests that must
      // not use "localhost" or an IP literal: the certificate names it too.
      c.options.certificates.subject_alt_names.push_back("DNS:" + std::string(value()));
    } else if (a == "--no-https") {
      c.options.enable_https = false;
    } else if (a == "--no-http") {
      c.options.enable_http = false;
    } else if (a == "--seed") {
      c.options.seed_completions = parse_number(a, value(), 10'000'000);
    } else if (a == "--api-key") {
      c.options.api_key = value();
    } else if (a == "--ca-out") {
      c.ca_out = value();
    } else if (a == "--port-file") {
      c.port_file = value();
    } else if (a == "--client-ca") {
      c.options.client_ca_pem = read_client_ca(value());
    } else if (a == "--client-cert-out") {
      c.client_cert_out = value();
    } else if (a == "--client-key-out") {
      c.client_key_out = value();
    } else if (a == "--client-ca-out") {
      c.client_ca_out = value();
    } else if (a == "--threads") {
      c.options.threads = static_cast<unsigned>(parse_number(a, value(), 256));
      if (c.options.threads == 0) throw bad_usage("--threads must be at least 1");
    } else if (a == "--idle-timeout") {
      c.options.idle_timeout = std::chrono::seconds(parse_number(a, value(), 86400));
    } else if (a == "--http1-only") {
      c.options.enable_http2 = false;
    } else if (a == "--h2-max-streams") {
      c.options.h2_max_concurrent_streams =
          static_cast<std::uint32_t>(parse_number(a, value(), 1'000'000));
      if (c.options.h2_max_concurrent_streams == 0)
        throw bad_usage("--h2-max-streams must be at least 1");
    } else if (a == "--rate-limit") {
      c.options.rate_limit = parse_rate_limit(a, value());
    } else if (a == "--rate-burst") {
      c.rate_burst = parse_rate_burst(a, value());
    } else if (a == "--latency") {
      c.options.latency = parse_latency(a, value());
    } else if (a == "--fault-rate") {
      c.options.random_faults.rate = parse_rate(a, value());
    } else if (a == "--fault-seed") {
      c.options.random_faults.seed = parse_u64(a, value());
    } else if (a == "--fault-script") {
      c.options.script = read_fault_script(value());
    } else {
      throw bad_usage("unknown option: " + std::string(a));
    }
  }
  if (!c.options.enable_http && !c.options.enable_https)
    throw bad_usage("--no-http and --no-https leave nothing to serve");
  if (c.client_cert_out.has_value() != c.client_key_out.has_value())
    throw bad_usage("--client-cert-out and --client-key-out go together");
  c.options.generate_client_certificate = c.client_cert_out.has_value();
  if (c.rate_burst) {
    if (!c.options.rate_limit) throw bad_usage("--rate-burst needs --rate-limit");
    c.options.rate_limit->burst = c.rate_burst;
  }
  if (c.client_ca_out && c.options.client_ca_pem.empty() && !c.client_cert_out)
    throw bad_usage("--client-ca-out needs --client-ca or --client-cert-out");
  return c;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

// Readers never see a half-written file: write a sibling, then rename over the target.
void write_port_file(const std::string& path, unsigned short https, unsigned short http) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << https << ' ' << http << '\n';
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    cli c = parse(argc, argv);

    // Block the stop signals before any io thread exists: the threads inherit the mask and
    // only sigwait() below sees the signals.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    const std::vector<std::string> listen_addresses = c.options.listen_addresses;
    openai_mock::server server(std::move(c.options));
    server.start();
    if (c.ca_out) server.write_ca_file(*c.ca_out);
    if (c.client_cert_out) server.write_client_certificate(*c.client_cert_out, *c.client_key_out);
    if (c.client_ca_out) write_text(*c.client_ca_out, server.client_ca_pem());
    for (const auto& address : listen_addresses) {
      if (const auto url = server.https_base_url(address); !url.empty())
        std::cerr << "openai-mock: " << url << '\n';
      if (const auto url = server.http_base_url(address); !url.empty())
        std::cerr << "openai-mock: " << url << '\n';
    }
    if (c.port_file) write_port_file(*c.port_file, server.https_port(), server.http_port());

    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::cerr << "openai-mock: " << strsignal(sig) << ", stopping\n";
    server.stop();
    return 0;
  } catch (const bad_usage& e) {
    std::cerr << "openai-mock: " << e.what() << "\n\n" << usage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "openai-mock: " << e.what() << '\n';
    return 1;
  }
}
