// openai-bench: N metadata updates with C in flight through one openai::client, then one JSON
// line with throughput, latency percentiles, errors, CPU per update and peak RSS.
//
//   export OPENAI_BASE_URL=https://127.0.0.1:8443/v1 OPENAI_API_KEY=sk-x
//   openai-bench --n 20000 --c 64 --ca-file ca.pem [--http2 | --http1]
//
// Public API only: async_update_completion with a callback that starts the next update, so that
// exactly C calls are in flight until the last N - C complete. One thread runs the io_context,
// as an application embedding the client on one core would.
#include <openai/client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct settings {
  std::size_t n = 20000;
  std::size_t c = 64;
  std::string base_url;
  std::string api_key;
  std::string ca_file;
  std::string id_prefix = "chatcmpl-mock-";
  std::size_t id_count = 1000;  // ids id_prefix + 000001 ... cycled (openai-mock --seed 1000)
  unsigned max_retries = 0;     // a benchmark counts failures instead of hiding them
  std::string label = "openai-bench";
  openai::http_version version = openai::http_version::automatic;
  std::size_t max_connections = 0;  // 0: C, one connection per update in flight over HTTP/1.1
  std::size_t max_streams = 0;      // 0: the client's default max_streams_per_connection
};

[[noreturn]] void usage(int status) {
  std::fputs(
      "usage: openai-bench [--n N] [--c C] [--base-url URL] [--api-key KEY] [--ca-file PEM]\n"
      "                    [--id-prefix P] [--id-count K] [--max-retries R] [--label L]\n"
      "                    [--http1 | --http2] [--max-connections M] [--max-streams S]\n"
      "\n"
      "N updates (default 20000) with C in flight (default 64; also the pool size unless\n"
      "--max-connections) of ids P000001 ... P<K> (default chatcmpl-mock-, 1000) through one\n"
      "openai::client. --http1 / --http2 set client_options::http_version (default automatic:\n"
      "h2 when the server picks it); --max-streams sets max_streams_per_connection. Defaults\n"
      "from OPENAI_BASE_URL, OPENAI_API_KEY and SSL_CERT_FILE. Prints one JSON line, whose\n"
      "\"protocol\" is what the pool really spoke (h2 when it held an HTTP/2 connection).\n",
      status == 0 ? stdout : stderr);
  std::exit(status);
}

settings parse(int argc, char** argv) {
  settings s;
  if (const char* v = std::getenv("OPENAI_BASE_URL")) s.base_url = v;
  if (const char* v = std::getenv("OPENAI_API_KEY")) s.api_key = v;
  if (const char* v = std::getenv("SSL_CERT_FILE")) s.ca_file = v;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") usage(0);
    if (flag == "--http1" || flag == "--http2") {
      s.version = flag == "--http1" ? openai::http_version::http1 : openai::http_version::http2;
      continue;
    }
    if (i + 1 >= argc) usage(2);
    const char* value = argv[++i];
    auto number = [&](std::size_t min) {
      char* end = nullptr;
      unsigned long long v = std::strtoull(value, &end, 10);
      if (end == value || *end != '\0' || v < min) usage(2);
      return static_cast<std::size_t>(v);
    };
    if (flag == "--n") s.n = number(1);
    else if (flag == "--c") s.c = number(1);
    else if (flag == "--base-url") s.base_url = value;
    else if (flag == "--api-key") s.api_key = value;
    else if (flag == "--ca-file") s.ca_file = value;
    else if (flag == "--id-prefix") s.id_prefix = value;
    else if (flag == "--id-count") s.id_count = number(1);
    else if (flag == "--max-retries") s.max_retries = static_cast<unsigned>(number(0));
    else if (flag == "--label") s.label = value;
    else if (flag == "--max-connections") s.max_connections = number(1);
    else if (flag == "--max-streams") s.max_streams = number(1);
    else usage(2);
  }
  if (s.base_url.empty()) {
    std::fputs("openai-bench: no base URL (--base-url or OPENAI_BASE_URL)\n", stderr);
    std::exit(2);
  }
  return s;
}

struct run_state {
  run_state(const settings& s, openai::client& c) : cfg(s), client(c) {}

  const settings& cfg;
  openai::client& client;
  std::size_t started = 0;
  std::size_t finished_tail = 0;  // of the last C updates, those done (none starts another)
  std::size_t errors = 0;
  // What the pool looked like while the updates ran (sampled): the protocol spoken is read from
  // it (a client asked for h2 that speaks HTTP/1.1 must not pass for h2 in the table).
  std::size_t peak_http2 = 0;
  std::size_t peak_streams = 0;
  std::size_t peak_open = 0;
  clock_type::time_point last_done{};
  std::string first_error;
  std::vector<std::uint32_t> latency_us;  // one per finished update
  char id[96] = {};
  std::size_t prefix_len = 0;

  // Ids are formatted into one buffer: the benchmark itself should allocate as little as it can
  // so that what is measured is the client.
  std::string_view id_of(std::size_t i) {
    int len = std::snprintf(id + prefix_len, sizeof id - prefix_len, "%06zu",
                            i % cfg.id_count + 1);
    return {id, prefix_len + static_cast<std::size_t>(len)};
  }

  void launch() {
    std::size_t i = started++;
    char index[24];
    std::snprintf(index, sizeof index, "%zu", i);
    auto t0 = clock_type::now();
    client.async_update_completion(
        id_of(i), openai::metadata{{"bench", "run"}, {"i", index}},
        [this, t0](boost::system::error_code ec, openai::chat_completion c) {
          auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - t0);
          latency_us.push_back(static_cast<std::uint32_t>(us.count()));
          if (ec || c.id().empty()) {
            if (errors++ == 0) first_error = ec ? ec.message() : "empty completion id";
          }
          // Every 16th completion: pool_stats() takes the pool's lock, which the benchmark
          // should not add to every update it measures.
          if (latency_us.size() % 16 == 1) {
            openai::pool_stats ps = client.pool_stats();
            peak_http2 = std::max(peak_http2, ps.http2);
            peak_streams = std::max(peak_streams, ps.streams);
            peak_open = std::max(peak_open, ps.open);
          }
          if (started < cfg.n) {
            launch();
          } else if (++finished_tail == std::min(cfg.c, cfg.n)) {
            last_done = clock_type::now();
            // An idle HTTP/2 connection may keep a read pending; closing the idle connections
            // once every update is done lets io_context::run() return whatever the protocol.
            boost::asio::post(client.get_executor(), [this] { client.close_idle_connections(); });
          }
        });
  }
};

const char* version_name(openai::http_version v) {
  switch (v) {
    case openai::http_version::http1: return "http1";
    case openai::http_version::http2: return "http2";
    case openai::http_version::automatic: break;
  }
  return "automatic";
}

double micros(const timeval& tv) { return tv.tv_sec * 1e6 + tv.tv_usec; }

}  // namespace

int main(int argc, char** argv) {
  settings cfg = parse(argc, argv);

  openai::client_options options;
  options.base_url = cfg.base_url;
  options.api_key = cfg.api_key;
  options.ca_file = cfg.ca_file;
  options.max_connections = cfg.max_connections != 0 ? cfg.max_connections : cfg.c;
  options.http_version = cfg.version;
  if (cfg.max_streams != 0) options.max_streams_per_connection = cfg.max_streams;
  options.max_retries = cfg.max_retries;
  options.timeout = std::chrono::seconds(30);

  boost::asio::io_context io(1);
  try {
    openai::client client(io.get_executor(), options);
    run_state state(cfg, client);
    std::snprintf(state.id, sizeof state.id, "%s", cfg.id_prefix.c_str());
    state.prefix_len = std::min(cfg.id_prefix.size(), sizeof state.id - 24);
    state.latency_us.reserve(cfg.n);

    auto t0 = clock_type::now();
    for (std::size_t k = 0; k < std::min(cfg.c, cfg.n); ++k) state.launch();
    io.run();
    if (state.last_done == clock_type::time_point{}) state.last_done = clock_type::now();
    double seconds = std::chrono::duration<double>(state.last_done - t0).count();
    std::uint64_t connections = client.pool_stats().opened_total;

    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    double cpu_us = micros(ru.ru_utime) + micros(ru.ru_stime);

    auto& lat = state.latency_us;
    auto percentile = [&](double p) -> std::uint32_t {
      if (lat.empty()) return 0;
      std::size_t k = static_cast<std::size_t>(p * static_cast<double>(lat.size() - 1) + 0.5);
      std::nth_element(lat.begin(), lat.begin() + static_cast<std::ptrdiff_t>(k), lat.end());
      return lat[k];
    };
    std::uint32_t p50 = percentile(0.50);
    std::uint32_t p99 = percentile(0.99);

    std::printf(
        "{\"tool\":\"%s\",\"n\":%zu,\"c\":%zu,\"seconds\":%.4f,\"updates_per_s\":%.1f,"
        "\"p50_us\":%u,\"p99_us\":%u,\"errors\":%zu,\"cpu_us_per_update\":%.2f,"
        "\"user_s\":%.4f,\"sys_s\":%.4f,\"max_rss_kib\":%ld,\"connections\":%llu,"
        "\"asked\":\"%s\",\"protocol\":\"%s\",\"peak_open\":%zu,\"peak_http2\":%zu,"
        "\"peak_streams\":%zu}\n",
        cfg.label.c_str(), cfg.n, cfg.c, seconds, static_cast<double>(cfg.n) / seconds, p50, p99,
        state.errors, cpu_us / static_cast<double>(cfg.n), micros(ru.ru_utime) / 1e6,
        micros(ru.ru_stime) / 1e6, ru.ru_maxrss, static_cast<unsigned long long>(connections),
        version_name(cfg.version), state.peak_http2 > 0 ? "h2" : "http/1.1", state.peak_open,
        state.peak_http2, state.peak_streams);
    std::fflush(stdout);
    if (state.errors != 0)
      std::fprintf(stderr, "openai-bench: %zu of %zu updates failed; first: %s\n", state.errors,
                   cfg.n, state.first_error.c_str());
    return state.errors == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "openai-bench: %s\n", e.what());
    return 2;
  }
}
